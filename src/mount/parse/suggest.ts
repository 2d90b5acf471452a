/**
 * "Did you mean …?" for misspelt field names (`secretkey` → `secretKey`). Pure; used when an
 * `objects` entry has an unknown field and when listing unknown top-level parameters.
 *
 * The input is a key a pod chose, and edit distance costs its length times the known name's:
 * inputs longer than any plausible misspelling get no suggestion at all, so a megabyte key
 * costs nothing here (callers also check the request's size limits first).
 */

/** Longer than any known name plus a typo's worth; a longer input is not a misspelling. */
export const MAX_SUGGESTED_INPUT_LENGTH = 64;

/** Edit distance (insert, delete, substitute; each costs 1). Inputs are short field names. */
export function levenshtein(a: string, b: string): number {
  if (a === b) return 0;
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const substitution = (previous[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1);
      current.push(Math.min((previous[j] ?? 0) + 1, (current[j - 1] ?? 0) + 1, substitution));
    }
    previous = current;
  }
  return previous[b.length] ?? 0;
}

/**
 * The known name closest to `input`: a case-insensitive match first, else the nearest by edit
 * distance if it is close enough to be a plausible typo (at most 2 edits, or a third of the length
 * for long names). Undefined when nothing is close: a wild guess helps nobody.
 */
export function suggest(input: string, known: readonly string[]): string | undefined {
  if (input.length > MAX_SUGGESTED_INPUT_LENGTH) return undefined;
  const lower = input.toLowerCase();
  const exact = known.find((name) => name.toLowerCase() === lower);
  if (exact !== undefined) return exact;
  const limit = Math.max(2, Math.floor(input.length / 3));
  let best: string | undefined;
  let bestDistance = Number.POSITIVE_INFINITY;
  for (const name of known) {
    const distance = levenshtein(lower, name.toLowerCase());
    if (distance < bestDistance) {
      best = name;
      bestDistance = distance;
    }
  }
  return bestDistance <= limit ? best : undefined;
}

/** `; did you mean "secretKey"?` or an empty string, ready to append to a message. */
export function didYouMean(input: string, known: readonly string[]): string {
  const candidate = suggest(input, known);
  return candidate === undefined ? '' : `; did you mean "${candidate}"?`;
}

/**
 * A key among `written` that is not a known name and reads as a misspelling of `wanted` (a
 * required name that is missing): `roleNmae` for `roleName`. Undefined when there is none.
 */
export function misspellingOf(
  wanted: string,
  written: Iterable<string>,
  known: readonly string[],
  maxKeys = MAX_MISSPELLING_CANDIDATES,
): string | undefined {
  let looked = 0;
  for (const key of written) {
    if (known.includes(key)) continue;
    // A pod may send thousands of keys; the first few unknown ones are the plausible typos.
    if (++looked > maxKeys) return undefined;
    if (suggest(key, known) === wanted) return key;
  }
  return undefined;
}

/** Unknown keys looked at for a misspelling of a required one. */
export const MAX_MISSPELLING_CANDIDATES = 20;
