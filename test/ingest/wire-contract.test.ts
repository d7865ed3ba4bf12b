/**
 * The ingest wire contract is defined once (issue 14): the zod schemas of src/ingest/ingest-schemas.ts, from which
 * src/model/telemetry.ts derives its types (`z.infer`), so the two cannot drift and no cast joins them.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import type { z } from 'zod';
import type { telemetryBatchSchema, joinRequestSchema } from '../../src/ingest/ingest-schemas.ts';
import type { JoinRequest, TelemetryBatch } from '../../src/model/telemetry.ts';
import { validateBatch } from '../../src/ingest/batch-validator.ts';

const root = path.resolve(import.meta.dirname, '../..');

/** Compile-time: true only when A and B are the same type (checked by `npm run typecheck`). */
type Same<A, B> =
  (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
const sameBatch: Same<TelemetryBatch, z.infer<typeof telemetryBatchSchema>> = true;
const sameJoin: Same<JoinRequest, z.infer<typeof joinRequestSchema>> = true;

test('the telemetry types are the schemas’ types, not hand-written interfaces', () => {
  assert.ok(sameBatch && sameJoin, 'type identity is checked at compile time');
  const model = fs.readFileSync(path.join(root, 'src/model/telemetry.ts'), 'utf8');
  assert.doesNotMatch(model, /export interface /, 'no interface restates the wire format');
});

test('the validator returns the typed batch without a cast, unknown keys stripped', () => {
  const r = validateBatch({ batch_id: 'abcdefgh', samples: [], extra: 1 });
  assert.ok(r.ok, 'a minimal batch validates');
  if (r.ok) {
    const batch: TelemetryBatch = r.value;
    assert.deepEqual(batch, { batch_id: 'abcdefgh', samples: [] });
  }
});
