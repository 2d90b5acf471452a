/**
 * A parser for the subset of HCL (and the JSON form) that ACL policies use:
 *   path "secret/data/*" { capabilities = ["read", "list"] }
 * plus comments, the legacy `policy = "read"` shorthand, and nested attributes we accept and
 * ignore (allowed_parameters, min_wrapping_ttl, …) so real-world policies load.
 */
import { CAPABILITIES, type PolicyRule } from './acl.js';

type Value = string | number | boolean | Value[] | { [key: string]: Value };

type Token = { t: 'str'; v: string } | { t: 'ident'; v: string } | { t: 'num'; v: number } | { t: 'punct'; v: string };

function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text[i] ?? '';
    if (/\s/.test(c) || c === ',') {
      if (c === ',') tokens.push({ t: 'punct', v: ',' });
      i += 1;
    } else if (c === '#' || (c === '/' && text[i + 1] === '/')) {
      while (i < text.length && text[i] !== '\n') i += 1;
    } else if (c === '/' && text[i + 1] === '*') {
      const end = text.indexOf('*/', i + 2);
      if (end < 0) throw new Error('unterminated comment');
      i = end + 2;
    } else if (c === '"') {
      let j = i + 1;
      let raw = '"';
      while (j < text.length && text[j] !== '"') {
        if (text[j] === '\\') raw += text[j++] ?? '';
        raw += text[j++] ?? '';
      }
      if (j >= text.length) throw new Error(`At ${i}: unterminated string`);
      tokens.push({ t: 'str', v: JSON.parse(`${raw}"`) as string });
      i = j + 1;
    } else if ('{}[]='.includes(c)) {
      tokens.push({ t: 'punct', v: c });
      i += 1;
    } else {
      const m = /^[A-Za-z0-9_.-]+/.exec(text.slice(i));
      if (m === null) throw new Error(`At ${i}: illegal char ${JSON.stringify(c)}`);
      const word = m[0];
      tokens.push(/^-?\d+(\.\d+)?$/.test(word) ? { t: 'num', v: Number(word) } : { t: 'ident', v: word });
      i += word.length;
    }
  }
  return tokens;
}

function objectAt(holder: Record<string, Value>, key: string): Record<string, Value> {
  const existing = holder[key];
  if (existing !== undefined && typeof existing === 'object' && !Array.isArray(existing)) return existing;
  const created: Record<string, Value> = {};
  holder[key] = created;
  return created;
}

class Parser {
  private pos = 0;
  constructor(private readonly tokens: Token[]) {}

  private peek(): Token | undefined {
    return this.tokens[this.pos];
  }
  private next(): Token {
    const token = this.tokens[this.pos++];
    if (token === undefined) throw new Error('unexpected end of policy');
    return token;
  }
  private skipCommas(): void {
    while (this.peek()?.t === 'punct' && this.peek()?.v === ',') this.pos += 1;
  }

  /** body := (ident "label"* { body } | ident = value)* — blocks become nested objects keyed by label. */
  body(closing: boolean): Record<string, Value> {
    const out: Record<string, Value> = {};
    for (;;) {
      this.skipCommas();
      const token = this.peek();
      if (token === undefined) {
        if (closing) throw new Error('unexpected end of policy');
        return out;
      }
      if (token.t === 'punct' && token.v === '}') {
        if (!closing) throw new Error('unexpected "}"');
        this.pos += 1;
        return out;
      }
      const key = this.next();
      if (key.t !== 'ident' && key.t !== 'str') throw new Error(`unexpected token ${JSON.stringify(key.v)}`);
      const labels: string[] = [];
      while (this.peek()?.t === 'str') labels.push((this.next() as { v: string }).v);
      const after = this.next();
      if (after.t === 'punct' && after.v === '=') {
        out[key.v] = this.value();
      } else if (after.t === 'punct' && after.v === '{') {
        // `path "a" { … }` nests as out.path.a; several labels nest deeper.
        const inner = this.body(true);
        const lastLabel = labels.pop();
        if (lastLabel === undefined) {
          out[key.v] = inner;
        } else {
          let target = objectAt(out, key.v);
          for (const label of labels) target = objectAt(target, label);
          target[lastLabel] = inner;
        }
      } else {
        throw new Error(`expected "=" or "{" after ${JSON.stringify(key.v)}`);
      }
    }
  }

  private value(): Value {
    const token = this.next();
    if (token.t === 'str' || token.t === 'num') return token.v;
    if (token.t === 'ident') {
      if (token.v === 'true' || token.v === 'false') return token.v === 'true';
      throw new Error(`unexpected identifier ${token.v}`);
    }
    if (token.v === '[') {
      const items: Value[] = [];
      for (;;) {
        this.skipCommas();
        const peeked = this.peek();
        if (peeked?.t === 'punct' && peeked.v === ']') {
          this.pos += 1;
          return items;
        }
        items.push(this.value());
      }
    }
    if (token.v === '{') return this.body(true);
    throw new Error(`unexpected ${JSON.stringify(token.v)}`);
  }
}

const LEGACY_POLICY: Readonly<Record<string, readonly string[]>> = {
  deny: ['deny'],
  read: ['read', 'list'],
  write: ['create', 'read', 'update', 'delete', 'list'],
  sudo: ['create', 'read', 'update', 'delete', 'list', 'sudo'],
};

/** Parses policy text (HCL or JSON) into rules; throws with Vault's `failed to parse policy:` prefix. */
export function parsePolicy(text: string): PolicyRule[] {
  try {
    const trimmed = text.trim();
    const root = trimmed.startsWith('{')
      ? (JSON.parse(trimmed) as Record<string, Value>)
      : new Parser(tokenize(text)).body(false);
    const paths = root.path;
    if (paths === undefined) return [];
    if (typeof paths !== 'object' || Array.isArray(paths)) throw new Error('path must be a block');
    return Object.entries(paths).map(([path, block]) => ruleFrom(path, block));
  } catch (error) {
    throw new Error(`failed to parse policy: ${(error as Error).message}`, { cause: error });
  }
}

function ruleFrom(path: string, block: Value): PolicyRule {
  if (typeof block !== 'object' || Array.isArray(block))
    throw new Error(`path ${JSON.stringify(path)}: expected a block`);
  const caps = new Set<string>();
  const listed = block.capabilities;
  if (listed !== undefined) {
    if (!Array.isArray(listed)) throw new Error(`path ${JSON.stringify(path)}: capabilities must be a list`);
    for (const cap of listed) {
      if (typeof cap !== 'string' || !(CAPABILITIES as readonly string[]).includes(cap)) {
        throw new Error(`path ${JSON.stringify(path)}: invalid capability ${JSON.stringify(cap)}`);
      }
      caps.add(cap);
    }
  }
  const legacy = block.policy;
  if (typeof legacy === 'string') {
    const expanded = LEGACY_POLICY[legacy];
    if (expanded === undefined)
      throw new Error(`path ${JSON.stringify(path)}: invalid policy ${JSON.stringify(legacy)}`);
    for (const cap of expanded) caps.add(cap);
  }
  if (path.includes('*') && !path.endsWith('*')) {
    throw new Error(`path ${JSON.stringify(path)}: invalid use of wildcards ('*' is only allowed at the end)`);
  }
  return { path: path.replace(/^\//, ''), capabilities: caps.has('deny') ? ['deny'] : [...caps] };
}
