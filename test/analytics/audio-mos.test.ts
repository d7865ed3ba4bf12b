import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import {
  audioMos,
  AUDIO_METHOD_FULLBAND,
  AUDIO_METHOD_NARROWBAND,
} from '../../src/analytics/audio-mos.ts';
import { delayImpairmentIdd, mosFromR } from '../../src/analytics/e-model.ts';

/**
 * Golden vectors: the five conditions of quality-scoring.md §2.4 (Opus 32 kbps)
 * through our G.107.2 fullband model. Hand calculation, with
 *   Ta = rtt/2 + buf + 20,  X = log2(Ta/100),
 *   Idd_NB = 25·[(1+X⁶)^⅙ − 3(1+(X/3)⁶)^⅙ + 2] (0 when Ta ≤ 100),  Idd_FB = 1.48·Idd_NB,
 *   Ie,eff = 10.2 + (132 − 10.2)·Ppl/(Ppl + 9.6),
 *   R_FB = 148 − Idd_FB − Ie,eff,  R = R_FB/1.48,
 *   MOS = max(1, 1 + 0.035R + 7e-6·R(R−60)(100−R)).
 *
 * Column F of §2.4 was computed with the jitter-buffer column ("buf") in the
 * delay, like ours, so all five land on F. The one difference is "awful": F
 * prints 0.99 because the cubic dips below 1 for 0 < R < 6.52; we floor at 1.
 */
const GOLDEN = [
  {
    name: 'clean LAN',
    rtt: 20,
    jitter: 5,
    loss: 0,
    buf: 40,
    columnF: 4.41,
    // Ta = 10+40+20 = 70 ≤ 100 → Idd = 0. Ie,eff = 10.2 (no loss).
    // R_FB = 148 − 0 − 10.2 = 137.8; R = 93.108; MOS = 1 + 3.2588 + 0.1487 = 4.4075 → 4.41.
    expected: 4.41,
    Ta: 70,
    Idd: 0,
    Ie_eff: 10.2,
    R: 93.108,
  },
  {
    name: 'typical',
    rtt: 100,
    jitter: 20,
    loss: 1,
    buf: 60,
    columnF: 4.21,
    // Ta = 50+60+20 = 130; X = 0.3785; Idd_NB = 0.0122, Idd_FB = 0.018.
    // Ie,eff = 10.2 + 121.8·1/10.6 = 21.691. R_FB = 126.291; R = 85.332;
    // MOS = 1 + 2.9866 + 0.2219 = 4.2086 → 4.21.
    expected: 4.21,
    Ta: 130,
    Idd: 0.018,
    Ie_eff: 21.691,
    R: 85.332,
  },
  {
    name: 'lossy Wi-Fi',
    rtt: 150,
    jitter: 30,
    loss: 5,
    buf: 80,
    columnF: 3.3,
    // Ta = 75+80+20 = 175; X = 0.8074; Idd_NB = 1.0349, Idd_FB = 1.532.
    // Ie,eff = 10.2 + 121.8·5/14.6 = 51.912. R_FB = 94.556; R = 63.889;
    // MOS = 1 + 2.2361 + 0.0628 = 3.2989 → 3.30.
    expected: 3.3,
    Ta: 175,
    Idd: 1.532,
    Ie_eff: 51.912,
    R: 63.889,
  },
  {
    name: 'bad',
    rtt: 300,
    jitter: 60,
    loss: 10,
    buf: 150,
    columnF: 1.79,
    // Ta = 150+150+20 = 320; X = 1.6781; Idd_NB = 16.881, Idd_FB = 24.984.
    // Ie,eff = 10.2 + 121.8·10/19.6 = 72.343. R_FB = 50.673; R = 34.239;
    // MOS = 1 + 1.1984 − 0.4060 = 1.7923 → 1.79.
    expected: 1.79,
    Ta: 320,
    Idd: 24.984,
    Ie_eff: 72.343,
    R: 34.239,
  },
  {
    name: 'awful',
    rtt: 500,
    jitter: 100,
    loss: 25,
    buf: 250,
    columnF: 0.99,
    // Ta = 250+250+20 = 520; X = 2.3785; Idd_NB = 31.693, Idd_FB = 46.905.
    // Ie,eff = 10.2 + 121.8·25/34.6 = 98.206. R_FB = 2.889; R = 1.952;
    // cubic = 1 + 0.0683 − 0.0778 = 0.9906 (F's 0.99) → floored to 1.00.
    expected: 1.0,
    Ta: 520,
    Idd: 46.905,
    Ie_eff: 98.206,
    R: 1.952,
  },
] as const;

describe('audioMos golden vectors (quality-scoring.md §2.4)', () => {
  for (const g of GOLDEN) {
    it(`${g.name}: ${g.expected} (column F ${g.columnF})`, () => {
      const result = audioMos({
        codec: 'audio/opus',
        rtt_ms: g.rtt,
        jitter_ms: g.jitter,
        loss_pct: g.loss,
        jitter_buffer_delay_ms: g.buf,
        bitrate_bps: 32000,
      });
      assert.equal(result.method, AUDIO_METHOD_FULLBAND);
      assert.equal(result.mos, g.expected);
      assert.ok(
        Math.abs((result.mos as number) - g.columnF) < 0.011,
        'lands on column F (within 0.01)',
      );
      const imp = result.impairments as Record<string, number>;
      assert.equal(imp.Ta, g.Ta);
      assert.ok(Math.abs(imp.Idd - g.Idd) < 0.002, `Idd ${imp.Idd}`);
      assert.ok(Math.abs(imp.Ie_eff - g.Ie_eff) < 0.002, `Ie_eff ${imp.Ie_eff}`);
      assert.ok(Math.abs(imp.R - g.R) < 0.002, `R ${imp.R}`);
      assert.equal(result.inputs.buffer_source, 'jitter_buffer');
      assert.equal(result.missing, undefined);
    });
  }
});

describe('audioMos inputs', () => {
  it('gives no score, and says why, when RTT is missing (Firefox)', () => {
    const result = audioMos({ codec: 'audio/opus', loss_pct: 1, jitter_ms: 10 });
    assert.equal(result.mos, undefined);
    assert.deepEqual(result.missing, ['rtt_ms']);
    assert.match(result.reason ?? '', /rtt_ms/);
    assert.equal(result.method, AUDIO_METHOD_FULLBAND);
  });

  it('gives no score when loss is missing, and lists both when both are', () => {
    assert.deepEqual(audioMos({ rtt_ms: 50 }).missing, ['loss_pct']);
    assert.deepEqual(audioMos({}).missing, ['rtt_ms', 'loss_pct']);
    assert.deepEqual(audioMos({ rtt_ms: Number.NaN, loss_pct: Number.POSITIVE_INFINITY }).missing, [
      'rtt_ms',
      'loss_pct',
    ]);
  });

  it('uses 2×jitter when there is no jitter-buffer figure, and nothing when neither is known', () => {
    const withJitter = audioMos({ codec: 'opus', rtt_ms: 200, loss_pct: 0, jitter_ms: 40 });
    assert.equal(withJitter.inputs.buffer_source, '2x_jitter');
    assert.equal(withJitter.impairments?.Ta, 100 + 80 + 20);
    const without = audioMos({ codec: 'opus', rtt_ms: 200, loss_pct: 0 });
    assert.equal(without.inputs.buffer_source, 'none');
    assert.equal(without.impairments?.Ta, 120);
  });

  it('scores G.711 with the narrowband model and its G.113 constants', () => {
    // Ta = 50 + 40 + 20 = 110 → Idd = 25·[(1+X⁶)^⅙ − 3(1+(X/3)⁶)^⅙ + 2] with X = log2(1.1) = 0.1375 → ≈ 0.
    // Ie,eff = 0 + 95·1/(1 + 25.1) = 3.640. R = 93.2 − 3.640 = 89.56. MOS = 1 + 3.1346 + 0.1949 = 4.33.
    const result = audioMos({ codec: 'audio/PCMU', rtt_ms: 100, loss_pct: 1, jitter_ms: 20 });
    assert.equal(result.method, AUDIO_METHOD_NARROWBAND);
    assert.equal(result.mos, 4.33);
    assert.equal(result.impairments?.Ie_eff, 3.64);
  });

  it('treats an unknown codec at 48 kHz as Opus and refuses unknown narrowband codecs', () => {
    assert.equal(
      audioMos({ codec: 'audio/foo', clock_rate: 48000, rtt_ms: 20, loss_pct: 0 }).method,
      AUDIO_METHOD_FULLBAND,
    );
    const unknown = audioMos({ codec: 'audio/iLBC', clock_rate: 8000, rtt_ms: 20, loss_pct: 0 });
    assert.equal(unknown.mos, undefined);
    assert.equal(unknown.method, 'unsupported-codec');
    assert.match(unknown.reason ?? '', /iLBC/);
  });

  it('records bitrate, FEC and DTX without changing the score', () => {
    const plain = audioMos({ codec: 'opus', rtt_ms: 80, loss_pct: 2, jitter_buffer_delay_ms: 50 });
    const extra = audioMos({
      codec: 'opus',
      rtt_ms: 80,
      loss_pct: 2,
      jitter_buffer_delay_ms: 50,
      bitrate_bps: 24000,
      fec: true,
      dtx: true,
    });
    assert.equal(extra.mos, plain.mos);
    assert.equal(extra.inputs.fec, true);
    assert.equal(extra.inputs.bitrate_bps, 24000);
  });
});

describe('E-model building blocks', () => {
  it('mosFromR covers the ends and floors the cubic dip', () => {
    assert.equal(mosFromR(-5), 1);
    assert.equal(mosFromR(0), 1);
    assert.equal(mosFromR(3), 1); // cubic gives 0.988
    assert.equal(mosFromR(100), 4.5);
    assert.equal(mosFromR(120), 4.5);
    assert.ok(Math.abs(mosFromR(93.2) - 4.4094) < 1e-3, 'Math.abs(mosFromR(93.2) - 4.4094) < 1e-3');
  });

  it('Idd is 0 up to 100 ms and grows after', () => {
    assert.equal(delayImpairmentIdd(100), 0);
    assert.ok(delayImpairmentIdd(200) > 0, 'delayImpairmentIdd(200) > 0');
    assert.ok(
      delayImpairmentIdd(400) > delayImpairmentIdd(200),
      'delayImpairmentIdd(400) > delayImpairmentIdd(200)',
    );
  });
});

describe('audioMos properties', () => {
  const codec = fc.constantFrom('audio/opus', 'audio/PCMU', 'audio/PCMA', 'audio/G722', undefined);
  const rtt = fc.double({ min: 0, max: 5000, noNaN: true });
  const jitter = fc.double({ min: 0, max: 1000, noNaN: true });
  const loss = fc.double({ min: 0, max: 100, noNaN: true });
  const jb = fc.option(fc.double({ min: 0, max: 3000, noNaN: true }), { nil: undefined });

  it('stays within [1, 4.5]', () => {
    fc.assert(
      fc.property(codec, rtt, jitter, loss, jb, (c, r, j, l, b) => {
        const mos = audioMos({
          codec: c,
          rtt_ms: r,
          jitter_ms: j,
          loss_pct: l,
          jitter_buffer_delay_ms: b,
        }).mos;
        return mos !== undefined && mos >= 1 && mos <= 4.5;
      }),
    );
  });

  it('never rises when RTT, jitter or loss rises (others fixed)', () => {
    const more = fc.double({ min: 0, max: 1000, noNaN: true });
    fc.assert(
      fc.property(codec, rtt, jitter, loss, jb, more, (c, r, j, l, b, extra) => {
        const base = { codec: c, rtt_ms: r, jitter_ms: j, loss_pct: l, jitter_buffer_delay_ms: b };
        const m0 = audioMos(base).mos as number;
        const mRtt = audioMos({ ...base, rtt_ms: r + extra }).mos as number;
        const mJit = audioMos({ ...base, jitter_ms: j + extra }).mos as number;
        const mLoss = audioMos({ ...base, loss_pct: Math.min(100, l + extra / 10) }).mos as number;
        const mJb =
          b === undefined
            ? m0
            : (audioMos({ ...base, jitter_buffer_delay_ms: b + extra }).mos as number);
        return mRtt <= m0 && mJit <= m0 && mLoss <= m0 && mJb <= m0;
      }),
    );
  });
});
