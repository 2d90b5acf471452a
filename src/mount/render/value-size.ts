/**
 * How long a value's JSON text would be, counted before anything builds it. A selection can
 * hold one large string many times over (`[@, @, @]`, nested to any depth) at no cost, but
 * writing it out (Go JSON, a format, jmesPath's `to_string`) builds one string as large as all
 * the copies: one allocation that V8 answers by aborting the whole process when it is larger than
 * what is left under a worker's heap limit (measured on Node 24). The walk stops as soon as the
 * count passes the limit, so it costs at most the limit's worth of steps.
 */
import { ResourceLimitError } from '../../errors.js';

/** A lower bound of the JSON text's length of `value` (escapes only add), or Infinity past `limit`. */
export function serializedLengthUpTo(value: unknown, limit: number): number {
  let length = 0;
  const pending: unknown[] = [value];
  while (pending.length > 0) {
    const next = pending.pop();
    if (typeof next === 'string') length += next.length + 2;
    else if (Array.isArray(next)) {
      length += 2 + next.length;
      for (const item of next) pending.push(item);
    } else if (typeof next === 'object' && next !== null) {
      length += 2;
      for (const [key, item] of Object.entries(next)) {
        length += key.length + 4;
        pending.push(item);
      }
    } else length += 5;
    if (length > limit) return Number.POSITIVE_INFINITY;
  }
  return length;
}

/** Refuses a value whose JSON text would pass `limit` characters; `what` names it in the message. */
export function checkSerializedLength(value: unknown, limit: number, what: string): void {
  if (serializedLengthUpTo(value, limit) === Number.POSITIVE_INFINITY) {
    throw new ResourceLimitError(`${what} would be written as more than ${limit} characters; select less data`);
  }
}
