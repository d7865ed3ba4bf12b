// Writes the telemetry batch validator as standalone JavaScript into dist/ (after `tsc -p tsconfig.build.json`),
// so the compiled server does not compile the schema at every start (see src/ingest/batch-validator.ts).
import { writeFileSync } from 'node:fs';

const { standaloneValidatorCode } = await import('../dist/ingest/standalone-validator.js');
const { telemetryBatchSchema } = await import('../dist/ingest/ingest-schemas.js');
const { GENERATED_BATCH_VALIDATOR } = await import('../dist/ingest/batch-validator.js');

writeFileSync(
  new URL(`../dist/ingest/${GENERATED_BATCH_VALIDATOR}`, import.meta.url),
  standaloneValidatorCode(telemetryBatchSchema),
);
