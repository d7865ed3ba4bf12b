/**
 * The one way configuration is read: a table of settings, each with its environment variable(s), its CLI flag
 * (if any), a kind (how text becomes a value and which values are valid) and a default. A value comes from the
 * first of: a programmatic override, the flag, the environment, the default; whatever its source, it is
 * validated, and a bad one is a {@link ConfigError} naming the flag or variable it came from (the CLI exits 2 on it).
 *
 * The kinds' checks are one-line predicates rather than a schema library: every CLI command reads its settings
 * here, and loading zod (~750 KB of JavaScript) was a tenth of the CPU of a whole-process `peer-report import`.
 */

/** A configuration value that does not validate; `exitCode` 2 marks it a usage error for the CLI. */
export class ConfigError extends Error {
  readonly exitCode = 2;
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

/** How a setting's text (from a flag or a variable) becomes a value, and what a valid value is. */
export interface SettingKind<T> {
  /** Text to a candidate value (no validation beyond the shape; `accepts` decides). */
  fromText(text: string): unknown;
  /** Whether `value` is a valid value of this kind. */
  accepts(value: unknown): value is T;
  /** For the message: "expected <this>, got '<text>'". */
  expected: string;
}

/** One setting of a table: where it is read from and its default. */
export interface Setting<T> {
  kind: SettingKind<T>;
  /** Environment variables, the first one set (not empty) wins. */
  env: readonly string[];
  /** Long flag name without dashes (`idle-timeout-ms`), for commands that offer it. */
  flag?: string;
  /** Used when no source sets it; a function for defaults that depend on the machine. */
  default: T | (() => T);
  /** A secret: a bad value is not repeated in the message. */
  secret?: boolean;
}

/** A table of settings producing an object of type `C`. */
export type SettingTable<C> = { [K in keyof C]-?: Setting<C[K]> };

/** Where values come from: typed overrides, parsed CLI flags (commander's camelCase keys), the environment. */
export interface ConfigSources<C> {
  overrides?: Partial<C>;
  flags?: Record<string, unknown>;
  env?: NodeJS.ProcessEnv;
}

const camelCase = (flag: string) => flag.replace(/-(\w)/g, (_, c: string) => c.toUpperCase());

const DECIMAL = /^\s*-?(\d+(\.\d*)?|\.\d+)\s*$/;
const TRUE = new Set(['1', 'true', 'yes', 'on']);
const FALSE = new Set(['0', 'false', 'no', 'off']);

/** A decimal number within [min, max] (integers only when `integer`). */
export function numberKind(
  opts: { min?: number; max?: number; integer?: boolean } = {},
): SettingKind<number> {
  const accepts = (v: unknown): v is number =>
    typeof v === 'number' &&
    Number.isFinite(v) &&
    (!opts.integer || Number.isInteger(v)) &&
    (opts.min === undefined || v >= opts.min) &&
    (opts.max === undefined || v <= opts.max);
  const what = opts.integer ? 'an integer' : 'a number';
  const range =
    opts.min !== undefined && opts.max !== undefined
      ? ` from ${opts.min} to ${opts.max}`
      : opts.min !== undefined
        ? ` ≥ ${opts.min}`
        : '';
  return {
    fromText: (text) => (DECIMAL.test(text) ? Number(text) : Number.NaN),
    accepts,
    expected: `${what}${range}`,
  };
}

/** A non-negative integer (durations in ms, counts, sizes). */
export const count = () => numberKind({ min: 0, integer: true });

/** On/off: 1/0, true/false, yes/no, on/off. */
export const flagKind: SettingKind<boolean> = {
  fromText: (text) => {
    const t = text.trim().toLowerCase();
    return TRUE.has(t) ? true : FALSE.has(t) ? false : text;
  },
  accepts: (v): v is boolean => typeof v === 'boolean',
  expected: '1/0, true/false, yes/no or on/off',
};

/** Free text (already non-empty: an empty variable counts as unset). */
export function textKind(opts: { minLength?: number } = {}): SettingKind<string> {
  return {
    fromText: (text) => text,
    accepts: (v): v is string => typeof v === 'string' && v.length >= (opts.minLength ?? 1),
    expected: opts.minLength ? `at least ${opts.minLength} characters` : 'a value',
  };
}

/** Optional free text: unset by default. */
export function optionalTextKind(
  opts: { minLength?: number } = {},
): SettingKind<string | undefined> {
  const inner = textKind(opts);
  return { ...inner, accepts: (v): v is string | undefined => v === undefined || inner.accepts(v) };
}

/** One of a few words (case-insensitive in text). */
export function enumKind<T extends string>(values: readonly [T, ...T[]]): SettingKind<T> {
  return {
    fromText: (text) => text.trim().toLowerCase(),
    accepts: (v): v is T => (values as readonly unknown[]).includes(v),
    expected: values.join(', ').replace(/, ([^,]*)$/, ' or $1'),
  };
}

/** A comma-separated list (a repeatable flag gives an array). */
export const listKind: SettingKind<string[]> = {
  fromText: (text) =>
    text
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean),
  accepts: (v): v is string[] =>
    Array.isArray(v) && v.every((s) => typeof s === 'string' && s.length > 0),
  expected: 'a comma-separated list',
};

/** An absolute URL of one of `protocols` (without trailing slashes), unset by default. */
export function urlKind(protocols: readonly string[]): SettingKind<string | undefined> {
  return {
    fromText: (text) => text.trim().replace(/\/+$/, ''),
    accepts: (v): v is string | undefined =>
      v === undefined ||
      (typeof v === 'string' &&
        URL.canParse(v) &&
        protocols.includes(new URL(v).protocol.slice(0, -1))),
    expected: `a ${protocols.join(' or ')} URL`,
  };
}

/** Reads the settings of `table` from `sources`; throws a {@link ConfigError} naming the first bad value's source. */
export function readSettings<C>(table: SettingTable<C>, sources: ConfigSources<C> = {}): C {
  const env = sources.env ?? process.env;
  const out = {} as C;
  for (const key of Object.keys(table) as (keyof C & string)[]) {
    const setting = table[key] as Setting<unknown>;
    const { kind } = setting;
    // `shown` is what the user wrote, for the message.
    const check = (from: string, candidate: unknown, shown: unknown) => {
      if (!kind.accepts(candidate)) {
        const got = setting.secret ? 'another value' : `'${String(shown)}'`;
        throw new ConfigError(`${from}: expected ${kind.expected}, got ${got}`);
      }
      return candidate;
    };
    const override = sources.overrides?.[key];
    const flagValue = setting.flag ? sources.flags?.[camelCase(setting.flag)] : undefined;
    const variable = setting.env.find((name) => env[name] !== undefined && env[name] !== '');
    let value: unknown;
    if (override !== undefined) value = check(setting.env[0] ?? key, override, override);
    else if (typeof flagValue === 'string')
      value = check(`--${setting.flag}`, kind.fromText(flagValue), flagValue);
    else if (flagValue !== undefined) value = check(`--${setting.flag}`, flagValue, flagValue);
    else if (variable !== undefined)
      value = check(variable, kind.fromText(env[variable] as string), env[variable]);
    else
      value =
        typeof setting.default === 'function'
          ? (setting.default as () => unknown)()
          : setting.default;
    (out as Record<string, unknown>)[key] = value;
  }
  return out;
}
