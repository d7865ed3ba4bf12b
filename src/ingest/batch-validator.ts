/**
 * The telemetry batch validator. The compiled server (dist/) loads the standalone JavaScript the build generates
 * from the zod schema (scripts/build-validators.mjs): compiling the schema when a process starts cost ~0.4 s of
 * CPU, in the main thread and again in every ingest worker, and brought zod into the workers. From source, or
 * when the generated module is missing, the schema is compiled at load, as before.
 */
import type { TelemetryBatch } from '../model/telemetry.ts';
import { toValidator, type AjvValidate, type ValidationResult } from './validation-result.ts';

/** The generated module, next to this one in dist/. */
export const GENERATED_BATCH_VALIDATOR = 'batch-validator.generated.js';

async function loadValidator(): Promise<(value: unknown) => ValidationResult<TelemetryBatch>> {
  if (import.meta.url.endsWith('.js')) {
    try {
      const generated = (await import(
        new URL(`./${GENERATED_BATCH_VALIDATOR}`, import.meta.url).href
      )) as { default: AjvValidate };
      return toValidator<TelemetryBatch>(generated.default);
    } catch (err) {
      if ((err as { code?: string }).code !== 'ERR_MODULE_NOT_FOUND') throw err;
    }
  }
  const [{ compileValidator }, { telemetryBatchSchema }] = await Promise.all([
    import('./compiled-validator.ts'),
    import('./ingest-schemas.ts'),
  ]);
  return compileValidator(telemetryBatchSchema);
}

/** Validates a parsed telemetry batch (unknown keys of declared objects are removed, as zod's `strip` does). */
export const validateBatch = await loadValidator();
