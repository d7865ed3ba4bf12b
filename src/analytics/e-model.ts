/**
 * Building blocks of the ITU-T E-model shared by the narrowband (G.107) and
 * fullband (G.107.2) audio scores. Pure functions, no state.
 *
 * References (clause numbers as in the Recommendations' tables of contents):
 * - ITU-T G.107 (06/2015) "The E-model: a computational model for use in
 *   transmission planning": R = Ro − Is − Id − Ie,eff + A (clause 7.1, eq. 7-1);
 *   delay impairment Idd (clause 7.4); effective equipment impairment Ie,eff
 *   (clause 7.5, eq. 7-29); R → MOS_CQE (Annex B).
 * - ITU-T G.107.2 (06/2019) "Fullband E-model": Ro,FB (clause 7.2), Id,FB
 *   (clause 7.4), Ie,eff,FB (clause 7.5), MOS from R_FB/1.48 (Annex A).
 */

/**
 * Delay impairment Idd for an absolute one-way delay `taMs` (mouth to ear),
 * G.107 (06/2015) clause 7.4:
 *   Idd = 0                                                  for Ta <= 100 ms
 *   Idd = 25·{(1 + X⁶)^(1/6) − 3·(1 + (X/3)⁶)^(1/6) + 2}     for Ta > 100 ms
 *   X = log(Ta/100) / log 2
 * This is the form with the default delay-sensitivity parameters of the
 * 2015 edition (mT = 100 ms, sT = 1). It is strictly increasing for Ta > 100 ms
 * (its derivative is X⁵·[(1+X⁶)^(−5/6) − 3⁻⁵·(1+(X/3)⁶)^(−5/6)] > 0), which is
 * what makes our MOS monotone in RTT and jitter.
 */
export function delayImpairmentIdd(taMs: number): number {
  if (!(taMs > 100)) return 0;
  const x = Math.log(taMs / 100) / Math.LN2;
  const x6 = x ** 6;
  const x36 = (x / 3) ** 6;
  return 25 * ((1 + x6) ** (1 / 6) - 3 * (1 + x36) ** (1 / 6) + 2);
}

/**
 * Effective equipment impairment under random packet loss,
 * G.107 (06/2015) clause 7.5, eq. (7-29):
 *   Ie,eff = Ie + (ceiling − Ie) · Ppl / (Ppl/BurstR + Bpl)
 * with `ceiling` = 95 in narrowband. We always use BurstR = 1 (random loss):
 * getStats() gives no burst statistics we could turn into BurstR.
 *
 * @param ie codec impairment without loss (G.113 tables)
 * @param lossPct packet loss Ppl in percent (0..100)
 * @param bpl packet-loss robustness factor (G.113 tables)
 * @param ceiling the value Ie,eff tends to as loss grows (95 NB, 132 FB, see audio-mos.ts)
 */
export function effectiveEquipmentImpairment(
  ie: number,
  lossPct: number,
  bpl: number,
  ceiling: number,
): number {
  if (!(lossPct > 0)) return ie;
  return ie + ((ceiling - ie) * lossPct) / (lossPct + bpl);
}

/**
 * R → MOS, G.107 (06/2015) Annex B (the Cole–Rosenbluth cubic):
 *   MOS = 1                                         for R <= 0
 *   MOS = 1 + 0.035·R + 7·10⁻⁶·R·(R − 60)·(100 − R)   for 0 < R < 100
 *   MOS = 4.5                                       for R >= 100
 * The cubic dips below 1 for 0 < R < 6.52 (minimum 0.99 near R = 3.3; that
 * is why column F of quality-scoring.md §2.4 shows 0.99 for "awful"). We floor
 * the result at 1 so the score stays in [1, 4.5] and is monotone
 * non-decreasing in R over the whole range.
 */
export function mosFromR(r: number): number {
  if (!(r > 0)) return 1;
  if (r >= 100) return 4.5;
  const mos = 1 + 0.035 * r + 7e-6 * r * (r - 60) * (100 - r);
  return mos < 1 ? 1 : mos;
}
