/**
 * Opt-in (`autoObserve: true`): replaces `window.RTCPeerConnection` with a
 * subclass that hands every new connection to the collector. Off by default:
 * the collector never patches global APIs unless the app asks for it.
 */

/** Installs the patch; returns the function that restores the original constructor. */
export function patchPeerConnection(observe: (pc: RTCPeerConnection) => void): () => void {
  const g = globalThis as unknown as { RTCPeerConnection?: typeof RTCPeerConnection };
  const Original = g.RTCPeerConnection;
  if (!Original) return () => {};
  class ObservedPeerConnection extends Original {
    constructor(config?: RTCConfiguration) {
      super(config);
      try {
        observe(this);
      } catch {
        // never break the app's connection
      }
    }
  }
  g.RTCPeerConnection = ObservedPeerConnection;
  return () => {
    if (g.RTCPeerConnection === ObservedPeerConnection) g.RTCPeerConnection = Original;
  };
}
