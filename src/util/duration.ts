/** Durations written the way operators write them: `90s`, `15m`, `12h`, `30d`, `2w`. */

const UNIT_MS: Readonly<Record<string, number>> = {
  s: 1_000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  w: 604_800_000,
};

/** The duration in ms, or undefined when `text` is not a positive whole number followed by s, m, h, d or w. */
export function parseDuration(text: string): number | undefined {
  const m = /^(\d{1,6})\s*([smhdw])$/i.exec(text.trim());
  if (!m) return undefined;
  const ms = Number(m[1]) * UNIT_MS[m[2].toLowerCase()];
  return ms > 0 ? ms : undefined;
}
