/**
 * Go's %e, %f and %g for float64. JavaScript's toFixed/toExponential round ties away from zero
 * (2.5 → "3"); Go rounds the exact binary value half to even (2.5 → "2"), so we take exact
 * digits from toExponential(100) and round them ourselves.
 */

/** Rounds a digit string to `keep` digits, half to even; `carry` when it grew (999 → 1000). */
function roundDigits(digits: string, keep: number): { digits: string; carry: boolean } {
  if (keep < 0) return { digits: '', carry: false };
  if (keep >= digits.length) return { digits: digits.padEnd(keep, '0'), carry: false };
  const head = digits.slice(0, keep);
  const first = digits[keep] ?? '0';
  const tailNonZero = /[1-9]/.test(digits.slice(keep + 1));
  const lastEven = keep === 0 || Number(head[keep - 1]) % 2 === 0;
  const up = first > '5' || (first === '5' && (tailNonZero || !lastEven));
  if (!up) return { digits: head, carry: false };
  if (keep === 0) return { digits: '1', carry: true };
  const increased = (BigInt(head) + 1n).toString().padStart(keep, '0');
  return { digits: increased, carry: increased.length > keep };
}

/** The integer `digits` scaled by 10^-decimals, written with a decimal point. */
function placePoint(digits: string, decimals: number): string {
  const padded = (digits === '' ? '0' : digits).padStart(decimals + 1, '0');
  if (decimals === 0) return padded;
  return `${padded.slice(0, -decimals)}.${padded.slice(-decimals)}`;
}

function exponentSuffix(exp: number): string {
  return `e${exp < 0 ? '-' : '+'}${String(Math.abs(exp)).padStart(2, '0')}`;
}

/** Significant digits and the exponent of the first one: 1234.5 → ("12345…", 3). */
function decompose(value: number, shortest: boolean): { digits: string; exp: number } {
  const [mantissa = '0', exp = '0'] = (shortest ? value.toExponential() : value.toExponential(100)).split('e');
  return { digits: mantissa.replace('.', ''), exp: Number(exp) };
}

/** %e %f %g of a non-negative number, with Go's defaults (precision 6; shortest for %g). */
export function formatFloat(value: number, verb: string, precision: number | undefined): string {
  if (Number.isNaN(value)) return 'NaN';
  if (!Number.isFinite(value)) return 'Inf';
  if (verb === 'f') {
    const decimals = precision ?? 6;
    const { digits, exp } = decompose(value, false);
    return placePoint(roundDigits(digits, exp + 1 + decimals).digits, decimals);
  }
  if (verb === 'e') {
    const keep = (precision ?? 6) + 1;
    const { digits, exp } = decompose(value, false);
    const rounded = roundDigits(digits, keep);
    const kept = rounded.digits.slice(0, keep);
    const body = keep > 1 ? `${kept[0] ?? '0'}.${kept.slice(1)}` : kept;
    return body + exponentSuffix(exp + (rounded.carry ? 1 : 0));
  }
  // %g: exponent form when exp < -4 or exp >= eprec (6 for the shortest form); no trailing zeros.
  const shortest = precision === undefined;
  const keep = shortest ? 0 : Math.max(precision, 1);
  let { digits, exp } = decompose(value, shortest);
  if (!shortest) {
    const rounded = roundDigits(digits, keep);
    digits = rounded.digits.slice(0, keep);
    if (rounded.carry) exp++;
  }
  digits = digits.replace(/0+$/, '') || '0';
  let eprec = shortest ? 6 : keep;
  if (!shortest && eprec > digits.length && digits.length >= exp + 1) eprec = digits.length;
  if (exp < -4 || exp >= eprec) {
    const body = digits.length > 1 ? `${digits[0] ?? ''}.${digits.slice(1)}` : digits;
    return body + exponentSuffix(exp);
  }
  const decimals = Math.max(digits.length - exp - 1, 0);
  return placePoint(digits + '0'.repeat(Math.max(exp + 1 - digits.length, 0)), decimals);
}
