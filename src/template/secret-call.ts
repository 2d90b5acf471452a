/**
 * Plans a `secret` call at parse time, with consul-template's argument rules: the first argument
 * is the path; the others are `key=value` pairs (split at the first `=`, both sides trimmed,
 * empty strings skipped, later keys win) that turn the read into a write, as for
 * `secret "pki/issue/web" "common_name=a.example"`. Every argument must be a string constant:
 * the provider plans, scopes and de-duplicates all reads before the template runs.
 */

import type { Operand, SecretCall } from './ast.js';

export function planSecretCall(
  args: readonly Operand[],
  piped: boolean,
): { call: SecretCall } | { error: string; pos?: number | undefined } {
  if (piped) return { error: 'secret arguments must be string constants, not a piped value' };
  const strings: string[] = [];
  for (const arg of args) {
    if (arg.type !== 'string') {
      return {
        error: 'secret arguments must be string constants (reads are planned before the template runs)',
        pos: arg.pos,
      };
    }
    strings.push(arg.value);
  }
  const [path, ...pairs] = strings;
  if (path === undefined) return { error: 'secret needs a path argument' };
  if (path.trim() === '') return { error: 'secret path is empty', pos: args[0]?.pos };
  const parsed: Record<string, string> = Object.create(null) as Record<string, string>;
  for (const [index, pair] of pairs.entries()) {
    if (pair === '') continue;
    const equals = pair.indexOf('=');
    // Do not echo the pair: a template author may have put a credential in it.
    if (equals < 0) return { error: `secret argument ${index + 2} is not a key=value pair`, pos: args[index + 1]?.pos };
    parsed[pair.slice(0, equals).trim()] = pair.slice(equals + 1).trim();
  }
  return { call: Object.freeze({ path, args: Object.freeze({ ...parsed }) }) };
}
