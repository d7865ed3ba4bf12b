/** Inference of the clock of zone-less event times from the stats' epoch span (zoneless-event-clock.ts). */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  inferEventClock,
  parseZonelessTime,
  zonelessToEpoch,
  type ZonelessTime,
} from '../../src/import/zoneless-event-clock.ts';

/** Local wall-clock text of `epoch` at `offsetMinutes`, in the style of a locale. */
function written(
  epoch: number,
  offsetMinutes: number,
  style: 'en-US' | 'en-GB' | 'de' | 'iso-local',
): string {
  const d = new Date(epoch + offsetMinutes * 60_000);
  const p = (n: number) => String(n).padStart(2, '0');
  const [y, mo, da, h, mi, s] = [
    d.getUTCFullYear(),
    d.getUTCMonth() + 1,
    d.getUTCDate(),
    d.getUTCHours(),
    d.getUTCMinutes(),
    d.getUTCSeconds(),
  ];
  if (style === 'en-US')
    return `${mo}/${da}/${y}, ${h % 12 === 0 ? 12 : h % 12}:${p(mi)}:${p(s)} ${h < 12 ? 'AM' : 'PM'}`;
  if (style === 'en-GB') return `${p(da)}/${p(mo)}/${y}, ${p(h)}:${p(mi)}:${p(s)}`;
  if (style === 'de') return `${da}.${mo}.${y}, ${p(h)}:${p(mi)}:${p(s)}`;
  return `${y}-${p(mo)}-${p(da)} ${p(h)}:${p(mi)}:${p(s)}`;
}

test('texts with a zone or as numbers are not zone-less; malformed times are refused', () => {
  for (const t of [
    '2020-11-05T18:34:51.000Z',
    '2020-11-05T21:34:51+03:00',
    '1604601291000',
    'yesterday',
    '13/13/2020, 25:00:00',
    '11/5/2020, 13:00:00 PM',
  ]) {
    assert.equal(parseZonelessTime(t), undefined, t);
  }
  assert.deepEqual(parseZonelessTime('11/5/2020, 9:34:51 PM'), {
    a: 11,
    b: 5,
    year: 2020,
    msOfDay: (21 * 3600 + 34 * 60 + 51) * 1000,
    yearFirst: false,
  });
  assert.equal(parseZonelessTime('11/5/2020, 12:05:00 AM')!.msOfDay, 5 * 60_000);
});

test('the zone offset (quarter hours) and the day/month order are recovered from the stats span', () => {
  // Dates whose day is <= 12, so both orders are valid dates: only the stats can tell them apart.
  const starts = [
    Date.UTC(2020, 10, 5, 18, 34, 50),
    Date.UTC(2020, 10, 8, 10, 58, 40),
    Date.UTC(2021, 2, 1, 23, 50, 0),
    Date.UTC(2021, 11, 31, 23, 59, 0),
  ];
  const offsets = [-720, -570, -300, -60, 0, 60, 180, 330, 345, 525, 765, 840];
  for (const style of ['en-US', 'en-GB', 'de', 'iso-local'] as const) {
    for (const start of starts) {
      for (const offset of offsets) {
        for (const seconds of [15, 240, 7200]) {
          const span = { from: start, to: start + seconds * 1000 };
          // Setup a second or two before the stats, state changes during the call, one at its end.
          const epochs = [
            start - 2000,
            start - 1000,
            start + Math.floor(seconds / 2) * 1000,
            span.to,
          ];
          const times = epochs.map((e) =>
            parseZonelessTime(written(e, offset, style)),
          ) as ZonelessTime[];
          assert.ok(times.every(Boolean), 'times.every(Boolean)');
          const clock = inferEventClock(times, span);
          const label = `${style} ${new Date(start).toISOString()} UTC${offset / 60} ${seconds}s`;
          assert.equal(clock?.offsetMinutes, offset, label);
          assert.deepEqual(
            times.map((t) => zonelessToEpoch(t, clock!)),
            epochs,
            label,
          );
        }
      }
    }
  }
});

test('without stats: UTC, and the only valid order', () => {
  const t = parseZonelessTime('25/12/2020, 10:00:00')!;
  assert.deepEqual(inferEventClock([t]), { dayFirst: true, offsetMinutes: 0 });
  assert.equal(inferEventClock([parseZonelessTime('13/13/2020, 10:00:00')!]), undefined);
});
