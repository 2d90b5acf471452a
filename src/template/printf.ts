/**
 * Go's fmt.Sprintf for the value model: flags `+ - # 0 space`, width and precision (digits or
 * `*`), verbs v s d b o O x X c q U e E f F g G t and `%%`; Go's in-band notes for mistakes
 * (`%!d(string=…)`, `%!s(MISSING)`, `%!(EXTRA …)`). Verbs apply element-wise inside lists and maps,
 * as in Go. Deliberate difference: numbers accept both integer and float verbs when that makes
 * sense (`%f` of 3, `%s` of 3), since Vault numbers are json.Number text under consul-template.
 * Explicit argument indexes (`%[1]d`) are not supported.
 */

import { textSteps } from './arguments.js';
import { FunctionFailure } from './errors.js';
import { formatFloat } from './go-float.js';
import { canBackquote, formatNumber, formatValue, goQuote, goQuoteRune } from './go-format.js';
import { GoStruct, isList, isMap, runes, sortedKeys, typeName, type Value } from './values.js';

interface Spec {
  minus: boolean;
  plus: boolean;
  sharp: boolean;
  zero: boolean;
  space: boolean;
  width: number | undefined;
  precision: number | undefined;
}

type Charge = (steps: number) => void;

export function goSprintf(format: string, args: readonly Value[], charge: Charge, maxLength: number): string {
  let out = '';
  let argIndex = 0;
  let i = 0;
  const guard = (n: number): number => {
    if (n > maxLength) throw new FunctionFailure('printf width or precision is larger than the output limit', 'limit');
    return n;
  };
  while (i < format.length) {
    const percent = format.indexOf('%', i);
    if (percent < 0) {
      out += format.slice(i);
      break;
    }
    out += format.slice(i, percent);
    i = percent + 1;
    const spec: Spec = {
      minus: false,
      plus: false,
      sharp: false,
      zero: false,
      space: false,
      width: undefined,
      precision: undefined,
    };
    for (;;) {
      const flag = format[i];
      if (flag === '-') spec.minus = true;
      else if (flag === '+') spec.plus = true;
      else if (flag === '#') spec.sharp = true;
      else if (flag === '0') spec.zero = true;
      else if (flag === ' ') spec.space = true;
      else break;
      i++;
    }
    const readNumber = (): number | undefined => {
      if (format[i] === '*') {
        i++;
        const arg = args[argIndex++];
        if (typeof arg !== 'number' || !Number.isInteger(arg)) {
          out += '%!(BADWIDTH)';
          return undefined;
        }
        return guard(Math.abs(arg));
      }
      const match = /^\d+/.exec(format.slice(i, i + 12));
      if (match === null) return undefined;
      i += match[0].length;
      return guard(Number(match[0]));
    };
    spec.width = readNumber();
    if (format[i] === '.') {
      i++;
      spec.precision = readNumber() ?? 0;
    }
    const code = format.codePointAt(i);
    if (code === undefined) {
      out += '%!(NOVERB)';
      break;
    }
    const verb = String.fromCodePoint(code);
    i += verb.length;
    if (verb === '%') {
      out += '%';
      continue;
    }
    if (argIndex >= args.length) {
      out += `%!${verb}(MISSING)`;
      continue;
    }
    const formatted = formatArg(args[argIndex++], verb, spec, charge);
    charge(textSteps(formatted.length));
    out += formatted;
    // Each verb is bounded by the guard above; many of them must not add up past the limit.
    if (out.length > maxLength) throw new FunctionFailure('printf result is larger than the output limit', 'limit');
  }
  if (argIndex < args.length) {
    const extra = args
      .slice(argIndex)
      .map((arg) => (arg === null || arg === undefined ? '<nil>' : `${typeName(arg)}=${formatValue(arg, charge)}`));
    out += `%!(EXTRA ${extra.join(', ')})`;
  }
  return out;
}

function badVerb(value: Value, verb: string, charge: Charge): string {
  if (value === null || value === undefined) return `%!${verb}(<nil>)`;
  return `%!${verb}(${typeName(value)}=${formatValue(value, charge)})`;
}

function pad(text: string, spec: Spec, zeroAllowed: boolean): string {
  if (spec.width === undefined) return text;
  const length = runes(text).length;
  if (length >= spec.width) return text;
  const fill = spec.width - length;
  if (spec.minus) return text + ' '.repeat(fill);
  if (spec.zero && zeroAllowed) {
    const sign = /^[+\- ]/.test(text) ? (text[0] ?? '') : '';
    return sign + '0'.repeat(fill) + text.slice(sign.length);
  }
  return ' '.repeat(fill) + text;
}

function formatArg(value: Value, verb: string, spec: Spec, charge: Charge): string {
  charge(1);
  if (value === null || value === undefined)
    return verb === 'v' ? pad('<nil>', spec, false) : badVerb(value, verb, charge);
  if (isList(value)) return `[${value.map((item) => formatArg(item, verb, spec, charge)).join(' ')}]`;
  if (value instanceof GoStruct)
    return `&{${[...value.fields.values()].map((item) => formatArg(item, verb, spec, charge)).join(' ')}}`;
  if (isMap(value)) {
    const parts = sortedKeys(value).map(
      (key) => `${formatArg(key, verb, spec, charge)}:${formatArg(value.get(key), verb, spec, charge)}`,
    );
    return `map[${parts.join(' ')}]`;
  }
  if (typeof value === 'boolean') {
    return verb === 'v' || verb === 't' ? pad(String(value), spec, false) : badVerb(value, verb, charge);
  }
  if (typeof value === 'string') return formatString(value, verb, spec, charge);
  return formatNumberArg(value, verb, spec, charge);
}

function formatString(value: string, verb: string, spec: Spec, charge: Charge): string {
  switch (verb) {
    case 'v':
    case 's': {
      const text = spec.precision === undefined ? value : runes(value).slice(0, spec.precision).join('');
      return pad(text, spec, false);
    }
    case 'q':
      if (spec.sharp && canBackquote(value)) return pad(`\`${value}\``, spec, false);
      return pad(goQuote(value, spec.plus), spec, false);
    case 'x':
    case 'X': {
      let bytes = [...Buffer.from(value, 'utf8')].map((byte) => byte.toString(16).padStart(2, '0'));
      if (verb === 'X') bytes = bytes.map((byte) => byte.toUpperCase());
      const prefix = spec.sharp ? (verb === 'x' ? '0x' : '0X') : '';
      const text = spec.space ? bytes.map((byte) => prefix + byte).join(' ') : prefix + bytes.join('');
      return pad(text, spec, false);
    }
    default:
      return badVerb(value, verb, charge);
  }
}

function formatNumberArg(value: number, verb: string, spec: Spec, charge: Charge): string {
  const integer = Number.isInteger(value);
  switch (verb) {
    case 'v':
    case 's':
      if (!Number.isFinite(value)) return pad(formatNumber(value), spec, false);
      return pad(signed(value, formatNumber(Math.abs(value)), spec), spec, true);
    case 'd':
    case 'b':
    case 'o':
    case 'O':
    case 'x':
    case 'X': {
      if (!integer) return badVerb(value, verb, charge);
      const base = verb === 'd' ? 10 : verb === 'b' ? 2 : verb === 'o' || verb === 'O' ? 8 : 16;
      let digits = BigInt(Math.abs(value)).toString(base);
      if (verb === 'X') digits = digits.toUpperCase();
      if (spec.precision !== undefined)
        digits = spec.precision === 0 && value === 0 ? '' : digits.padStart(spec.precision, '0');
      let prefix = verb === 'O' ? '0o' : '';
      if (spec.sharp)
        prefix =
          base === 16 ? (verb === 'x' ? '0x' : '0X') : base === 8 && verb === 'o' ? '0' : base === 2 ? '0b' : prefix;
      return pad(signed(value, prefix + digits, spec), spec, spec.precision === undefined);
    }
    case 'c':
    case 'q':
    case 'U': {
      if (!integer) return badVerb(value, verb, charge);
      const valid = value >= 0 && value <= 0x10ffff && !(value >= 0xd800 && value <= 0xdfff);
      const code = valid ? value : 0xfffd;
      if (verb === 'c') return pad(String.fromCodePoint(code), spec, false);
      if (verb === 'q') return pad(goQuoteRune(code), spec, false);
      return pad(`U+${value.toString(16).toUpperCase().padStart(4, '0')}`, spec, false);
    }
    case 'e':
    case 'E':
    case 'f':
    case 'F':
    case 'g':
    case 'G': {
      let text = formatFloat(Math.abs(value), verb.toLowerCase(), spec.precision);
      if (verb === 'E' || verb === 'G') text = text.toUpperCase();
      return pad(signed(value, text, spec), spec, Number.isFinite(value));
    }
    default:
      return badVerb(value, verb, charge);
  }
}

function signed(value: number, magnitude: string, spec: Spec): string {
  if (value < 0 || Object.is(value, -0)) return `-${magnitude}`;
  if (spec.plus) return `+${magnitude}`;
  return spec.space ? ` ${magnitude}` : magnitude;
}
