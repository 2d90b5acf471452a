/**
 * Argument conversion shared by the function implementations, with Go's error wording. Values
 * are described by type only, never printed, because they may be secret.
 */

import { FunctionFailure } from './errors.js';
import { formatNumber } from './go-format.js';
import { typeName, type Value } from './values.js';

/** What a function implementation may use while running: the budgets, nothing else. */
export interface CallContext {
  /** Spends evaluation steps; throws a limit failure when the budget is gone. */
  readonly charge: (steps: number) => void;
  /** Largest string any function may build (the output limit). */
  readonly maxStringLength: number;
}

export type FunctionImpl = (context: CallContext, args: readonly Value[]) => Value;

/**
 * A string parameter. Numbers are accepted as their text because consul-template hands Vault
 * numbers to templates as json.Number, a string type.
 */
export function stringArg(value: Value): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number') return formatNumber(value);
  if (value === null || value === undefined) throw new FunctionFailure('invalid value; expected string');
  throw new FunctionFailure(`wrong type for value; expected string; got ${typeName(value)}`);
}

export function intArg(value: Value): number {
  if (typeof value === 'number' && Number.isSafeInteger(value)) return value;
  if (typeof value === 'string' && /^[+-]?\d{1,15}$/.test(value)) return Number(value);
  if (value === null || value === undefined) throw new FunctionFailure('invalid value; expected int');
  throw new FunctionFailure(`wrong type for value; expected int; got ${typeName(value)}`);
}

/** Refuses to build a string longer than the output limit before allocating it. */
export function checkLength(context: CallContext, length: number): void {
  if (length > context.maxStringLength) {
    throw new FunctionFailure(`result would be larger than the ${context.maxStringLength}-byte output limit`, 'limit');
  }
}

/**
 * Bytes of text that cost one step. Small enough that a step stays a small, roughly constant
 * amount of real work (scanning, copying), so the step budget bounds time, not just node count.
 */
export const TEXT_BYTES_PER_STEP = 64;

/** Steps for handling `length` characters of text. */
export function textSteps(length: number): number {
  return Math.ceil(length / TEXT_BYTES_PER_STEP);
}

export function chargeText(context: CallContext, length: number): void {
  context.charge(textSteps(length));
}
