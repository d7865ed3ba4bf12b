/**
 * What a validation answers, and the wrapper that turns an Ajv validate function into it. Kept apart from the
 * schema compiler (compiled-validator.ts, which loads zod and Ajv's compiler) so the compiled server, which runs
 * the validator generated at build, loads neither.
 */
import type { ErrorObject } from 'ajv';

/** Outcome of a validation. */
export type ValidationResult<T> =
  { ok: true; value: T } | { ok: false; field: string; message: string };

/** `/samples/3/ts` → `samples[3].ts`. */
export function pointerToField(pointer: string): string {
  const parts = pointer
    .split('/')
    .slice(1)
    .map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'));
  return (
    parts.reduce((acc, p) => (/^\d+$/.test(p) ? `${acc}[${p}]` : acc ? `${acc}.${p}` : p), '') ||
    'body'
  );
}

/** An Ajv validate function: true, or false with `errors` set. */
export type AjvValidate = ((value: unknown) => boolean) & { errors?: ErrorObject[] | null };

/** Wraps an Ajv validate function (compiled now, or standalone) into a {@link ValidationResult} producer. */
export function toValidator<T>(validate: AjvValidate): (value: unknown) => ValidationResult<T> {
  return (value) => {
    if (validate(value)) return { ok: true, value: value as T };
    const e = validate.errors?.[0];
    const field = pointerToField(e?.instancePath ?? '');
    const missing =
      e?.keyword === 'required'
        ? (e.params as { missingProperty?: string }).missingProperty
        : undefined;
    return {
      ok: false,
      field: missing ? (field === 'body' ? missing : `${field}.${missing}`) : field,
      message: e?.message ?? 'invalid value',
    };
  };
}
