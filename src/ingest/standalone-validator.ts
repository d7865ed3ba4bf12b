/**
 * A zod schema's validator as standalone JavaScript (an ES module whose default export is the Ajv validate
 * function), for the build to write into dist/ (scripts/build-validators.mjs; loaded by batch-validator.ts).
 */
import standalone from 'ajv/dist/standalone/index.js';
import type { z } from 'zod';
import { makeAjv, validatorJsonSchema } from './compiled-validator.ts';

/** The module's source text. */
export function standaloneValidatorCode(schema: z.ZodType): string {
  const ajv = makeAjv({ code: { source: true, esm: true } });
  const validate = ajv.compile(validatorJsonSchema(schema));
  // Ajv's ESM output still calls `require()` for its runtime helpers (ucs2length): make those imports.
  const imports: string[] = [];
  const code = standalone
    .default(ajv, validate)
    .replace(/require\("([^"]+)"\)/g, (_match: string, module: string) => {
      imports.push(`import __ajvRuntime${imports.length} from ${JSON.stringify(`${module}.js`)};`);
      return `__ajvRuntime${imports.length - 1}`;
    });
  return `${imports.join('\n')}\n${code}`;
}
