/**
 * Splits template source into tokens, following the lexical rules of Go's text/template:
 * `{{`/`}}` delimiters, trim markers `{{- ` and ` -}}` (the space is required, so `{{-3}}` is the
 * number -3), comments `{{/* … *\/}}` that must touch the delimiters, and Go literals.
 * Tokens are produced eagerly: the source is capped (64 KiB by default), so the array is small.
 */

import type { SourceMap } from './errors.js';

export type TokenType =
  | 'text'
  | 'leftDelim'
  | 'rightDelim'
  | 'space'
  | 'identifier'
  | 'keyword'
  | 'field'
  | 'variable'
  | 'dot'
  | 'string'
  | 'number'
  | 'char'
  | 'bool'
  | 'nil'
  | 'pipe'
  | 'declare'
  | 'assign'
  | 'leftParen'
  | 'rightParen'
  | 'other'
  | 'eof';

export interface Token {
  readonly type: TokenType;
  /** Source text of the token (text tokens: after trimming). */
  readonly value: string;
  /** Offset in the source, for error positions. */
  readonly pos: number;
}

export const KEYWORDS: ReadonlySet<string> = new Set([
  'block',
  'break',
  'continue',
  'define',
  'else',
  'end',
  'if',
  'range',
  'template',
  'with',
]);

const LEFT = '{{';
const RIGHT = '}}';

function isSpace(ch: string | undefined): boolean {
  return ch === ' ' || ch === '\t' || ch === '\r' || ch === '\n';
}

const ALNUM = /^[\p{L}\p{Nd}_]$/u;

function isAlphaNumeric(ch: string | undefined): boolean {
  return ch !== undefined && ALNUM.test(ch);
}

export function lex(source: string, map: SourceMap): Token[] {
  const tokens: Token[] = [];
  let pos = 0;
  let pendingTrim = false; // the previous action ended with ` -}}`
  const fail: (at: number, detail: string) => never = (at, detail) => {
    throw map.error('parse', at, detail);
  };
  const charAt = (at: number): string | undefined => {
    const cp = source.codePointAt(at);
    return cp === undefined ? undefined : String.fromCodePoint(cp);
  };
  const atRightDelim = (at: number): { delim: boolean; trim: boolean } => {
    if (isSpace(source[at]) && source[at + 1] === '-' && source.startsWith(RIGHT, at + 2))
      return { delim: true, trim: true };
    return { delim: source.startsWith(RIGHT, at), trim: false };
  };
  const atTerminator = (at: number): boolean => {
    const ch = source[at];
    if (ch === undefined || isSpace(ch)) return true;
    if ('.,|:()'.includes(ch)) return true;
    return source.startsWith(RIGHT, at);
  };
  const skipLeadingSpace = (at: number): number => {
    while (isSpace(source[at])) at++;
    return at;
  };

  while (pos < source.length) {
    // Text up to the next action.
    // After ` -}}` the leading white space of the text is dropped.
    const textStart = pendingTrim ? skipLeadingSpace(pos) : pos;
    const next = source.indexOf(LEFT, textStart);
    const textEnd = next < 0 ? source.length : next;
    let text = source.slice(textStart, textEnd);
    if (next < 0) {
      if (text !== '') tokens.push({ type: 'text', value: text, pos: textStart });
      break;
    }
    const trimLeft = source[next + 2] === '-' && isSpace(source[next + 3]);
    if (trimLeft) text = text.replace(/[ \t\r\n]+$/, '');
    if (text !== '') tokens.push({ type: 'text', value: text, pos: textStart });
    const delimPos = next;
    pos = next + 2 + (trimLeft ? 2 : 0);

    if (source.startsWith('/*', pos)) {
      const close = source.indexOf('*/', pos + 2);
      if (close < 0) fail(delimPos, 'unclosed comment');
      pos = close + 2;
      const { delim, trim } = atRightDelim(pos);
      if (!delim) fail(delimPos, 'comment ends before closing delimiter');
      pos += (trim ? 2 : 0) + 2;
      pendingTrim = trim;
      continue;
    }

    tokens.push({ type: 'leftDelim', value: LEFT, pos: delimPos });
    let parenDepth = 0;
    for (;;) {
      const { delim, trim } = atRightDelim(pos);
      if (delim) {
        if (parenDepth !== 0) fail(pos, 'unclosed left paren');
        tokens.push({ type: 'rightDelim', value: RIGHT, pos: pos + (trim ? 2 : 0) });
        pos += (trim ? 2 : 0) + 2;
        pendingTrim = trim;
        break;
      }
      const start = pos;
      const ch = source[pos];
      if (ch === undefined) fail(delimPos, 'unclosed action');
      if (isSpace(ch)) {
        // Stop before a space that starts a ` -}}` marker.
        while (isSpace(source[pos]) && !atRightDelim(pos).trim) pos++;
        if (pos > start) tokens.push({ type: 'space', value: source.slice(start, pos), pos: start });
        continue;
      }
      pos++;
      switch (ch) {
        case '=':
          tokens.push({ type: 'assign', value: '=', pos: start });
          continue;
        case ':':
          if (source[pos] !== '=') fail(start, 'expected :=');
          pos++;
          tokens.push({ type: 'declare', value: ':=', pos: start });
          continue;
        case '|':
          tokens.push({ type: 'pipe', value: '|', pos: start });
          continue;
        case '(':
          parenDepth++;
          tokens.push({ type: 'leftParen', value: '(', pos: start });
          continue;
        case ')':
          parenDepth--;
          if (parenDepth < 0) fail(start, 'unexpected right paren');
          tokens.push({ type: 'rightParen', value: ')', pos: start });
          continue;
        case '"':
        case "'": {
          for (;;) {
            const c = source[pos];
            if (c === '\\') {
              pos += 2;
              continue;
            }
            if (c === undefined || c === '\n') {
              fail(start, ch === '"' ? 'unterminated quoted string' : 'unterminated character constant');
            }
            pos++;
            if (c === ch) break;
          }
          tokens.push({ type: ch === '"' ? 'string' : 'char', value: source.slice(start, pos), pos: start });
          continue;
        }
        case '`': {
          const close = source.indexOf('`', pos);
          if (close < 0) fail(start, 'unterminated raw quoted string');
          pos = close + 1;
          tokens.push({ type: 'string', value: source.slice(start, pos), pos: start });
          continue;
        }
        case '$':
        case '.': {
          const c = source[pos];
          if (ch === '.' && c !== undefined && c >= '0' && c <= '9') break; // a number like .5
          if (atTerminator(pos)) {
            tokens.push({ type: ch === '$' ? 'variable' : 'dot', value: ch, pos: start });
            continue;
          }
          while (isAlphaNumeric(charAt(pos))) pos += (charAt(pos) ?? '').length;
          if (!atTerminator(pos)) fail(pos, `bad character ${describeChar(charAt(pos))}`);
          tokens.push({ type: ch === '$' ? 'variable' : 'field', value: source.slice(start, pos), pos: start });
          continue;
        }
        default:
          break;
      }
      if (ch === '.' || ch === '+' || ch === '-' || (ch >= '0' && ch <= '9')) {
        pos = scanNumber(source, start);
        if (isAlphaNumeric(charAt(pos)))
          fail(start, `bad number syntax: ${JSON.stringify(source.slice(start, pos + 1))}`);
        if (pos === start + 1 && (ch === '+' || ch === '-' || ch === '.'))
          fail(start, `bad number syntax: ${JSON.stringify(ch)}`);
        tokens.push({ type: 'number', value: source.slice(start, pos), pos: start });
        continue;
      }
      const full = charAt(start) ?? ch;
      if (isAlphaNumeric(full)) {
        pos = start;
        while (isAlphaNumeric(charAt(pos))) pos += (charAt(pos) ?? '').length;
        if (!atTerminator(pos)) fail(pos, `bad character ${describeChar(charAt(pos))}`);
        const word = source.slice(start, pos);
        let type: TokenType = 'identifier';
        if (KEYWORDS.has(word)) type = 'keyword';
        else if (word === 'true' || word === 'false') type = 'bool';
        else if (word === 'nil') type = 'nil';
        tokens.push({ type, value: word, pos: start });
        continue;
      }
      if (ch >= ' ' && ch <= '~') {
        tokens.push({ type: 'other', value: ch, pos: start });
        continue;
      }
      fail(start, `unrecognized character in action: ${describeChar(full)}`);
    }
  }
  tokens.push({ type: 'eof', value: '', pos: source.length });
  return tokens;
}

/** Like Go's %#U: `U+0041 'A'`. Template source is not secret, so quoting it is fine. */
function describeChar(ch: string | undefined): string {
  if (ch === undefined) return 'EOF';
  const hex = (ch.codePointAt(0) ?? 0).toString(16).toUpperCase().padStart(4, '0');
  return /^[\p{L}\p{N}\p{P}\p{S}]$/u.test(ch) ? `U+${hex} '${ch}'` : `U+${hex}`;
}

/** Go's scanNumber: sign, base prefix, digits with `_`, fraction, exponent, imaginary `i`. */
function scanNumber(source: string, start: number): number {
  let pos = start;
  const accept = (chars: string): boolean => {
    const c = source[pos];
    if (c !== undefined && chars.includes(c)) {
      pos++;
      return true;
    }
    return false;
  };
  const acceptRun = (chars: string): void => {
    while (accept(chars));
  };
  accept('+-');
  let digits = '0123456789_';
  if (accept('0')) {
    if (accept('xX')) digits = '0123456789abcdefABCDEF_';
    else if (accept('oO')) digits = '01234567_';
    else if (accept('bB')) digits = '01_';
  }
  acceptRun(digits);
  if (accept('.')) acceptRun(digits);
  if (digits.length === 11 && accept('eE')) {
    accept('+-');
    acceptRun('0123456789_');
  }
  if (digits.length === 23 && accept('pP')) {
    accept('+-');
    acceptRun('0123456789_');
  }
  accept('i');
  return pos;
}
