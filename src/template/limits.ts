/**
 * Resource limits for one parse or one execution. Defaults live here and nowhere else; a
 * SecretProviderClass may lower them, never disable them.
 */

export interface TemplateLimits {
  /** Largest template source accepted, in UTF-8 bytes. */
  maxTemplateBytes: number;
  /** Largest rendered output, in UTF-8 bytes; also caps any single intermediate string. */
  maxOutputBytes: number;
  /**
   * Evaluation steps per execution: one per node evaluated, range iteration, list element or map
   * entry a function builds, and 64 bytes of text handled (arguments, results, output).
   */
  maxSteps: number;
  /** Nesting of control structures, parentheses and {{template}} calls, at parse and execution time. */
  maxDepth: number;
}

export const DEFAULT_TEMPLATE_LIMITS: Readonly<TemplateLimits> = Object.freeze({
  maxTemplateBytes: 64 * 1024,
  maxOutputBytes: 1024 * 1024,
  maxSteps: 100_000,
  maxDepth: 50,
});

/**
 * Nesting of values (maps inside lists inside maps…) accepted from Vault or parseJSON. Formatting
 * is recursive, so this keeps the JavaScript stack safe whatever the data looks like.
 */
export const MAX_VALUE_DEPTH = 512;

const NAMES = Object.keys(DEFAULT_TEMPLATE_LIMITS) as (keyof TemplateLimits)[];

/** Merges caller overrides with the defaults; a bad override is a programming error (RangeError). */
export function resolveLimits(overrides: Partial<TemplateLimits> | undefined): Readonly<TemplateLimits> {
  if (overrides === undefined) return DEFAULT_TEMPLATE_LIMITS;
  const merged: TemplateLimits = { ...DEFAULT_TEMPLATE_LIMITS };
  for (const name of NAMES) {
    const value = overrides[name];
    if (value === undefined) continue;
    if (!Number.isSafeInteger(value) || value < 1) {
      throw new RangeError(`template limit ${name} must be a positive integer`);
    }
    merged[name] = value;
  }
  return Object.freeze(merged);
}
