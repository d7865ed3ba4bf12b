/**
 * The event names a webhook may subscribe to: RealtimeKit's nine (the SDK's
 * enum, in its order) and peer-report's two quality events. Only the four
 * meeting events and the two quality events are ever produced; the others are
 * accepted in a subscription so that RealtimeKit configurations carry over.
 */

/** RealtimeKit's event names, in the SDK's order (`GET …/webhooks/all`). */
export const REALTIMEKIT_EVENTS = [
  'meeting.started',
  'meeting.ended',
  'meeting.participantJoined',
  'meeting.participantLeft',
  'meeting.chatSynced',
  'recording.statusUpdate',
  'livestreaming.statusUpdate',
  'meeting.transcript',
  'meeting.summary',
] as const;

/** peer-report's own quality events. */
export const QUALITY_EVENTS = ['peer.qualityReport', 'peer.qualityAlert'] as const;

/** Every name a subscription accepts. */
export const WEBHOOK_EVENTS = [...REALTIMEKIT_EVENTS, ...QUALITY_EVENTS] as const;

/** An event name a subscription accepts. */
export type WebhookEventName = (typeof WEBHOOK_EVENTS)[number];

/** The events peer-report produces. */
export const PRODUCED_EVENTS: ReadonlySet<WebhookEventName> = new Set([
  'meeting.started',
  'meeting.ended',
  'meeting.participantJoined',
  'meeting.participantLeft',
  'peer.qualityReport',
  'peer.qualityAlert',
]);
