/**
 * The compiled (Ajv) batch validator agrees with the zod schema it is generated from, both as compiled when a
 * process loads it from source and as the standalone module the build writes into dist/.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import fc from 'fast-check';
import {
  compileValidator,
  pointerToField,
  toValidator,
  type AjvValidate,
} from '../../src/ingest/compiled-validator.ts';
import { standaloneValidatorCode } from '../../src/ingest/standalone-validator.ts';
import { telemetryBatchSchema } from '../../src/ingest/ingest-schemas.ts';
import { syntheticBatches } from '../../src/simulate/synthetic-call.ts';
import { CALL_PROFILES } from '../../src/simulate/call-profiles.ts';

/** The standalone module, written inside the project so that its `ajv/...` imports resolve. */
async function loadStandalone(): Promise<AjvValidate> {
  const dir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../tmp');
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `batch-validator-${process.pid}.mjs`);
  fs.writeFileSync(file, standaloneValidatorCode(telemetryBatchSchema));
  try {
    return ((await import(pathToFileURL(file).href)) as { default: AjvValidate }).default;
  } finally {
    fs.rmSync(file, { force: true });
  }
}

const [batch] = [
  ...syntheticBatches({
    profile: CALL_PROFILES['lossy-wifi'],
    startMs: Date.parse('2026-01-01T00:00:00Z'),
    minutes: 0.2,
    seed: 3,
    batchIdPrefix: 'validator',
  }),
];

const standalone = toValidator<ReturnType<typeof telemetryBatchSchema.parse>>(
  await loadStandalone(),
);
const compiled = compileValidator(telemetryBatchSchema);
for (const [form, validate] of [
  ['compiled', compiled],
  ['standalone', standalone],
] as const) {
  test(`${form}: a valid batch passes both, and unknown keys are dropped like zod strips them`, () => {
    const withExtra = {
      ...structuredClone(batch),
      unknown_top: 1,
      samples: batch.samples!.map((s) => ({ ...s, extra_field: 'x' })),
    };
    const fast = validate(withExtra);
    assert.ok(fast.ok, 'fast.ok');
    assert.ok(
      telemetryBatchSchema.safeParse(withExtra).success,
      'telemetryBatchSchema.safeParse(withExtra).success',
    );
    assert.equal('unknown_top' in (fast.ok ? fast.value : {}), false);
    assert.equal('extra_field' in (fast.ok ? fast.value.samples![0] : {}), false);
  });

  test(`${form}: record entries (event metadata) are kept`, () => {
    const b = structuredClone(batch);
    b.events = [
      {
        ts: b.samples![0].ts,
        name: 'connection_state_change',
        pc: 'pc-1',
        metadata: { state: 'connected', previous: 'connecting', n: 2 },
      },
    ];
    const fast = validate(b);
    assert.ok(fast.ok, 'fast.ok');
    assert.deepEqual(fast.ok && fast.value.events![0].metadata, {
      state: 'connected',
      previous: 'connecting',
      n: 2,
    });
  });

  test(`${form}: pointers become field paths`, () => {
    assert.equal(pointerToField('/samples/3/ts'), 'samples[3].ts');
    assert.equal(pointerToField(''), 'body');
    assert.equal(
      pointerToField('/client/client_hints/brands/0/brand'),
      'client.client_hints.brands[0].brand',
    );
  });

  test(`${form}: Infinity and NaN are refused by both, naming the field (JSON's 1e999 parses to Infinity)`, () => {
    for (const value of [
      Number.POSITIVE_INFINITY,
      Number.NEGATIVE_INFINITY,
      Number.NaN,
      JSON.parse('1e999'),
    ]) {
      const b = structuredClone(batch) as any;
      b.samples[0].jitter_ms = value;
      assert.equal(telemetryBatchSchema.safeParse(structuredClone(b)).success, false);
      const fast = validate(b);
      assert.equal(fast.ok, false, `jitter_ms ${value}`);
      assert.equal(!fast.ok && fast.field, 'samples[0].jitter_ms');
    }
  });

  test(`${form}: random corruptions: both validators accept or reject the same batches`, () => {
    const paths: ((b: any, v: unknown) => void)[] = [
      (b, v) => (b.samples[1].ts = v),
      (b, v) => (b.samples[0].ssrc = v),
      (b, v) => (b.samples[2].direction = v),
      (b, v) => (b.samples[2].media = v),
      (b, v) => (b.samples[0].jitter_ms = v),
      (b, v) => (b.batch_id = v),
      (b, v) => (b.candidate_pairs[0].local.port = v),
      (b, v) => (b.events[0].metadata = v),
    ];
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: paths.length - 1 }),
        fc.oneof(
          fc.integer(),
          fc.double(),
          fc.string(),
          fc.boolean(),
          fc.constant(null),
          fc.constant(undefined),
          fc.constantFrom('producer', 'video', 'consumer', 1_700_000_000_000),
        ),
        (which, value) => {
          const b = structuredClone(batch) as any;
          paths[which](b, value);
          const z = telemetryBatchSchema.safeParse(structuredClone(b)).success;
          const a = validate(b).ok;
          assert.equal(a, z, `path ${which} value ${String(value)}`);
        },
      ),
      { numRuns: 400 },
    );
  });

  test(`${form}: physical bounds: both validators refuse the same figures, at the same field`, () => {
    const keys = [
      'rtt_ms',
      'jitter_ms',
      'bytes',
      'packets',
      'packets_lost',
      'frames_per_second',
      'frame_width',
      'frame_height',
      'audio_level',
      'clock_rate',
      'total_rtt_s',
      'qp_sum',
    ];
    const near = [
      0,
      -1,
      -(2 ** 53),
      1,
      1.0000001,
      60_000,
      60_000.5,
      1_000,
      1_001,
      16_384,
      16_385,
      1_000_000,
      1_000_001,
      2 ** 53 - 1,
      2 ** 53,
      1e308,
      -1e308,
    ];
    fc.assert(
      fc.property(
        fc.constantFrom(...keys),
        fc.oneof(fc.constantFrom(...near), fc.double({ noNaN: true, noDefaultInfinity: true })),
        fc.nat(3),
        (key, value, i) => {
          const b = structuredClone(batch) as any;
          b.samples[i][key] = value;
          const zod = telemetryBatchSchema.safeParse(structuredClone(b));
          const fast = validate(b);
          assert.equal(fast.ok, zod.success, `${key} = ${value}`);
          if (!fast.ok) assert.equal(fast.field, `samples[${i}].${key}`);
        },
      ),
      { numRuns: 2000, seed: 11 },
    );
  });
}
