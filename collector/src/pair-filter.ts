/** Decides which candidate pairs of a sample go into the upload. Pure. */
import type { CandidatePairSample } from '../../src/model/telemetry.ts';

/**
 * Keeps the upload small: the selected pair is sent with every sample; any
 * other pair only when first seen and whenever its state, nomination or
 * selection changes.
 */
export class PairFilter {
  private readonly seen = new Map<string, string>();

  /** The pairs of one report that should be uploaded. */
  pick(pairs: CandidatePairSample[]): CandidatePairSample[] {
    return pairs.filter((p) => {
      const sig = `${p.state}|${p.nominated}|${p.selected}`;
      const changed = this.seen.get(p.id) !== sig;
      this.seen.set(p.id, sig);
      return p.selected === true || changed;
    });
  }
}
