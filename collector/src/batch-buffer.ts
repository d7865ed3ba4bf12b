/** Accumulates telemetry between uploads and cuts it into batches. Pure apart from the id generator. */
import type {
  CandidatePairSample,
  DeviceListUpdate,
  PcMetadata,
  PrecallResult,
  SelectedDeviceUpdate,
  StreamSample,
  TelemetryBatch,
  TelemetryEvent,
} from '../../src/model/telemetry.ts';
import { uuid } from './ids.ts';

/** The telemetry waiting for the next batch. */
export class BatchBuffer {
  samples: StreamSample[] = [];
  candidate_pairs: CandidatePairSample[] = [];
  events: TelemetryEvent[] = [];
  device_updates: DeviceListUpdate[] = [];
  selected_devices: SelectedDeviceUpdate[] = [];
  pc_metadata: PcMetadata[] = [];
  precall: PrecallResult | undefined;

  constructor(private readonly newId: () => string = uuid) {}

  /** Rough item count, to cut a batch early when a lot piled up. */
  get size(): number {
    return this.samples.length + this.candidate_pairs.length + this.events.length;
  }

  /**
   * Everything buffered as one batch with a fresh `batch_id` (then empties the
   * buffer), or `undefined` when empty. Candidate pairs keep only their latest
   * state per connection and pair id: the server keeps one row per pair.
   */
  take(): TelemetryBatch | undefined {
    if (this.candidate_pairs.length > 1) {
      const latest = new Map<string, CandidatePairSample>();
      for (const p of this.candidate_pairs) latest.set(`${p.pc}|${p.id}`, p);
      this.candidate_pairs = [...latest.values()];
    }
    const batch = { batch_id: '' } as TelemetryBatch;
    let any = false;
    for (const key of [
      'samples',
      'candidate_pairs',
      'events',
      'device_updates',
      'selected_devices',
      'pc_metadata',
    ] as const) {
      const list = this[key];
      if (list.length) {
        (batch as unknown as Record<string, unknown>)[key] = list;
        (this as unknown as Record<string, unknown>)[key] = [];
        any = true;
      }
    }
    if (this.precall) {
      batch.precall = this.precall;
      this.precall = undefined;
      any = true;
    }
    if (!any) return undefined;
    batch.batch_id = this.newId();
    return batch;
  }
}
