import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { videoMos, videoNetworkMos, VIDEO_METHOD } from '../../src/analytics/video-mos.ts';

describe('videoMos', () => {
  it('scores a clean 720p30 VP8 stream from bits per pixel per frame', () => {
    // bpppf = 1.5e6 / (1280·720 · 30) = 0.054253; base = 0.56·(−2.91404) + 5.36 = 3.7281.
    // delay = 0.002·(40 + 25) = 0.13 → 3.5981; no loss, no freeze → 3.60.
    const r = videoMos({
      codec: 'video/VP8',
      bitrate_bps: 1_500_000,
      frame_width: 1280,
      frame_height: 720,
      frames_per_second: 30,
      expected_fps: 30,
      loss_pct: 0,
      rtt_ms: 50,
      freeze_ratio: 0,
      jitter_buffer_delay_ms: 40,
    });
    assert.equal(r.method, VIDEO_METHOD);
    assert.equal(r.mos, 3.6);
    assert.equal(r.impairments?.base, 3.728);
  });

  it('applies the VP9 codec factor, the fps term, loss and freezes', () => {
    const common = {
      bitrate_bps: 1_000_000,
      frame_width: 640,
      frame_height: 360,
      frames_per_second: 15,
      expected_fps: 30,
      rtt_ms: 0,
    };
    // VP8: bpppf = 1e6/(230400·15) = 0.28935 → base = 0.56·ln(0.28935)+5.36 = 4.6657;
    // fps term = 1.9·ln 2 = 1.3170 → 3.3487 → 3.35.
    assert.equal(videoMos({ ...common, codec: 'VP8' }).mos, 3.35);
    // VP9 ×1.2: base = 4.6657 + 0.56·ln 1.2 = 4.7678 → 3.4508 → 3.45.
    assert.equal(videoMos({ ...common, codec: 'VP9' }).mos, 3.45);
    // Loss 12.5 %: 1 + 2.3487·e⁻¹ = 1.8640 → 1.86.
    assert.equal(videoMos({ ...common, codec: 'VP8', loss_pct: 12.5 }).mos, 1.86);
    // Frozen half the interval: 1 + 2.3487·0.5 = 2.1744 → 2.17.
    assert.equal(videoMos({ ...common, codec: 'VP8', freeze_ratio: 0.5 }).mos, 2.17);
  });

  it('charges a small picture for the expected 640×360 pixels', () => {
    const small = videoMos({
      codec: 'VP8',
      bitrate_bps: 150_000,
      frame_width: 320,
      frame_height: 180,
      frames_per_second: 30,
    });
    // bpppf = 150000/(230400·30) = 0.021701 → base = 0.56·ln(0.021701) + 5.36 = 3.2148 → 3.21.
    assert.equal(small.mos, 3.21);
    assert.equal(small.inputs.reference_pixels, 640 * 360);
  });

  it('gives no score without bitrate, size or fps, and none when nothing flowed', () => {
    const r = videoMos({ frame_width: 640, frame_height: 360 });
    assert.equal(r.mos, undefined);
    assert.deepEqual(r.missing, ['bitrate_bps', 'frames_per_second']);
    const idle = videoMos({
      bitrate_bps: 0,
      frame_width: 640,
      frame_height: 360,
      frames_per_second: 0,
    });
    assert.equal(idle.mos, undefined);
    assert.match(idle.reason ?? '', /no video/);
    const frozen = videoMos({
      bitrate_bps: 50_000,
      frame_width: 640,
      frame_height: 360,
      frames_per_second: 0,
    });
    assert.equal(frozen.mos, 1);
  });

  const input = fc.record({
    codec: fc.constantFrom('VP8', 'VP9', 'H264', 'AV1', undefined),
    bitrate_bps: fc.double({ min: 1000, max: 8_000_000, noNaN: true }),
    frame_width: fc.integer({ min: 16, max: 3840 }),
    frame_height: fc.integer({ min: 16, max: 2160 }),
    frames_per_second: fc.double({ min: 0.5, max: 60, noNaN: true }),
    expected_fps: fc.option(fc.constantFrom(15, 24, 30), { nil: undefined }),
    loss_pct: fc.double({ min: 0, max: 100, noNaN: true }),
    rtt_ms: fc.double({ min: 0, max: 3000, noNaN: true }),
    freeze_ratio: fc.double({ min: 0, max: 1, noNaN: true }),
    jitter_buffer_delay_ms: fc.option(fc.double({ min: 0, max: 2000, noNaN: true }), {
      nil: undefined,
    }),
  });

  it('stays within [1, 4.5]', () => {
    fc.assert(
      fc.property(input, (i) => {
        const mos = videoMos(i).mos;
        return mos !== undefined && mos >= 1 && mos <= 4.5;
      }),
    );
  });

  it('never rises when loss, RTT or freeze ratio rises (others fixed)', () => {
    fc.assert(
      fc.property(input, fc.double({ min: 0, max: 1, noNaN: true }), (i, k) => {
        const m0 = videoMos(i).mos as number;
        const mLoss = videoMos({ ...i, loss_pct: i.loss_pct + (100 - i.loss_pct) * k })
          .mos as number;
        const mRtt = videoMos({ ...i, rtt_ms: i.rtt_ms + 1000 * k }).mos as number;
        const mFz = videoMos({ ...i, freeze_ratio: i.freeze_ratio + (1 - i.freeze_ratio) * k })
          .mos as number;
        return mLoss <= m0 && mRtt <= m0 && mFz <= m0;
      }),
    );
  });
});

describe('videoMos: network and content apart (issue 12 item 15)', () => {
  it('a clean network with a small, slow camera: a low score, but the network share reads clean', () => {
    // 320x240 at ~20 fps, 150 kbit/s, 20 ms RTT, no loss, 40 ms jitter buffer: the "bad call" on a perfect network.
    const r = videoMos({
      codec: 'video/VP8',
      bitrate_bps: 150_000,
      frame_width: 320,
      frame_height: 240,
      frames_per_second: 20,
      expected_fps: 30,
      loss_pct: 0,
      rtt_ms: 20,
      jitter_buffer_delay_ms: 40,
      freeze_ratio: 0,
    });
    assert.ok(r.mos! < 3, `mos ${r.mos}`);
    const imp = r.impairments!;
    assert.ok(imp.network_mos >= 4.3, `network ${imp.network_mos}`);
    assert.ok(
      Math.abs(imp.content_mos - r.mos!) < 0.15,
      `content ${imp.content_mos} explains the score ${r.mos}`,
    );
    assert.equal(
      videoNetworkMos({ rtt_ms: 20, jitter_buffer_delay_ms: 40, loss_pct: 0, freeze_ratio: 0 }),
      imp.network_mos,
    );
  });

  it('a lossy network with a full picture: the network share is what is low', () => {
    const r = videoMos({
      codec: 'video/VP8',
      bitrate_bps: 2_500_000,
      frame_width: 1280,
      frame_height: 720,
      frames_per_second: 30,
      expected_fps: 30,
      loss_pct: 10,
      rtt_ms: 300,
      jitter_buffer_delay_ms: 200,
      freeze_ratio: 0.2,
    });
    const imp = r.impairments!;
    assert.ok(imp.content_mos >= 4, `content ${imp.content_mos}`);
    assert.ok(imp.network_mos < 2.5, `network ${imp.network_mos}`);
  });

  it('the network share never rises with loss, RTT, buffer delay or freezes, and needs loss or RTT', () => {
    let last = 5;
    for (const loss of [0, 1, 2, 5, 10, 25]) {
      const n = videoNetworkMos({ loss_pct: loss, rtt_ms: 50 })!;
      assert.ok(n <= last, 'n <= last');
      last = n;
    }
    assert.ok(
      videoNetworkMos({ rtt_ms: 400 })! < videoNetworkMos({ rtt_ms: 40 })!,
      'videoNetworkMos({ rtt_ms: 400 })! < videoNetworkMos({ rtt_ms: 40 })!',
    );
    assert.ok(
      videoNetworkMos({ rtt_ms: 40, freeze_ratio: 0.5 })! < videoNetworkMos({ rtt_ms: 40 })!,
    );
    assert.equal(videoNetworkMos({ jitter_buffer_delay_ms: 40 }), undefined);
  });
});
