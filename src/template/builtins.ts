/**
 * Go text/template's predefined functions (except `and`/`or`, which the executor evaluates
 * lazily, and `html`, `js`, `call`, `slice`, which are not offered).
 * Deliberate differences: all numbers form one kind (Go keeps int and float64 apart), a number
 * equals a string holding its text (consul-template's json.Number behaviour), and `len` of a
 * string counts UTF-8 bytes as Go does.
 */

import { chargeText, stringArg, type CallContext, type FunctionImpl } from './arguments.js';
import { FunctionFailure } from './errors.js';
import { formatNumber, formatValue } from './go-format.js';
import { goSprintf } from './printf.js';
import { compareGoStrings } from '../go-compat/go-json.js';
import { GoStruct, isList, isMap, isTrue, typeName, type Value } from './values.js';

type Kind = 'nil' | 'bool' | 'number' | 'string' | 'composite';

function kindOf(value: Value): Kind {
  if (value === null || value === undefined) return 'nil';
  if (typeof value === 'boolean') return 'bool';
  if (typeof value === 'number') return 'number';
  if (typeof value === 'string') return 'string';
  return 'composite';
}

function equal(a: Value, b: Value): boolean {
  const ka = kindOf(a);
  const kb = kindOf(b);
  if (ka === 'nil' || kb === 'nil') return ka === kb;
  if (ka === 'composite' || kb === 'composite') {
    throw new FunctionFailure(ka === kb ? `non-comparable type ${typeName(a)}` : 'incompatible types for comparison');
  }
  if (ka === kb) return a === b;
  if (ka === 'number' && kb === 'string') return formatNumber(a as number) === b;
  if (ka === 'string' && kb === 'number') return formatNumber(b as number) === a;
  throw new FunctionFailure('incompatible types for comparison');
}

function compare(a: Value, b: Value): number {
  if (typeof a === 'number' && typeof b === 'number') return a < b ? -1 : a > b ? 1 : 0;
  if (typeof a === 'string' && typeof b === 'string') return compareGoStrings(a, b);
  const ka = kindOf(a);
  const kb = kindOf(b);
  const ordered = (kind: Kind): boolean => kind === 'number' || kind === 'string';
  if (ordered(ka) && ordered(kb)) throw new FunctionFailure('incompatible types for comparison');
  throw new FunctionFailure('invalid type for comparison');
}

function length(value: Value): number {
  if (typeof value === 'string') return Buffer.byteLength(value, 'utf8');
  if (isList(value)) return value.length;
  if (isMap(value)) return value.size;
  if (value === null || value === undefined) throw new FunctionFailure('len of nil pointer');
  throw new FunctionFailure(`len of type ${typeName(value)}`);
}

function indexOnce(context: CallContext, item: Value, key: Value): Value {
  if (item === null || item === undefined) throw new FunctionFailure('index of untyped nil');
  if (isList(item) || typeof item === 'string') {
    if (typeof key !== 'number' || !Number.isInteger(key)) {
      throw new FunctionFailure(
        `cannot index slice/array with ${key === null || key === undefined ? 'nil' : `type ${typeName(key)}`}`,
      );
    }
    if (typeof item === 'string') {
      chargeText(context, item.length);
      const bytes = Buffer.from(item, 'utf8');
      if (key < 0 || key >= bytes.length) throw new FunctionFailure('index out of range');
      return bytes[key] ?? null;
    }
    if (key < 0 || key >= item.length) throw new FunctionFailure('index out of range');
    return item[key] ?? null;
  }
  if (isMap(item)) {
    if (typeof key !== 'string') {
      throw new FunctionFailure(
        `value has type ${key === null || key === undefined ? 'nil' : typeName(key)}; should be string`,
      );
    }
    // A missing key gives the map's zero value, nil, as in Go.
    return item.has(key) ? item.get(key) : null;
  }
  throw new FunctionFailure(`can't index item of type ${item instanceof GoStruct ? item.typeName : typeName(item)}`);
}

/** fmt.Sprint: a space between operands when neither side is a string. */
function sprint(context: CallContext, args: readonly Value[]): string {
  let out = '';
  args.forEach((arg, i) => {
    if (i > 0 && typeof arg !== 'string' && typeof args[i - 1] !== 'string') out += ' ';
    out += formatValue(arg, context.charge);
  });
  return out;
}

/** url.QueryEscape: unreserved bytes kept, space as `+`, the rest as uppercase %XX. */
function queryEscape(text: string): string {
  // The UTF-8 bytes as one character each, escaped in one replace (see goQuote for why).
  return Buffer.from(text, 'utf8')
    .toString('latin1')
    .replace(/[^A-Za-z0-9\-_.~]/g, (char) =>
      char === ' ' ? '+' : `%${char.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0')}`,
    );
}

export const BUILTINS: ReadonlyMap<string, FunctionImpl> = new Map<string, FunctionImpl>([
  ['not', (_c, [a]) => !isTrue(a)],
  ['eq', (_c, [a, ...rest]) => rest.some((b) => equal(a, b))],
  ['ne', (_c, [a, b]) => !equal(a, b)],
  ['lt', (_c, [a, b]) => compare(a, b) < 0],
  ['le', (_c, [a, b]) => compare(a, b) <= 0],
  ['gt', (_c, [a, b]) => compare(a, b) > 0],
  ['ge', (_c, [a, b]) => compare(a, b) >= 0],
  ['len', (_c, [a]) => length(a)],
  ['index', (context, [item, ...keys]) => keys.reduce<Value>((current, key) => indexOnce(context, current, key), item)],
  ['print', (context, args) => sprint(context, args)],
  ['println', (context, args) => `${args.map((arg) => formatValue(arg, context.charge)).join(' ')}\n`],
  [
    'printf',
    (context, [format, ...args]) => goSprintf(stringArg(format), args, context.charge, context.maxStringLength),
  ],
  [
    'urlquery',
    (context, args) => {
      const [only] = args;
      return queryEscape(args.length === 1 && typeof only === 'string' ? only : sprint(context, args));
    },
  ],
]);
