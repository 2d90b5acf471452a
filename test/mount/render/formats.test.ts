import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import fc from 'fast-check';
import { parse as parseYaml } from 'yaml';
import { InvalidParameterError } from '../../../src/errors.js';
import { writeFormat } from '../../../src/mount/render/formats/index.js';
import type { OutputFormat } from '../../../src/mount/spec/mount-spec.js';

const dir = mkdtempSync(join(tmpdir(), 'vcp-formats-'));
after(() => rmSync(dir, { recursive: true, force: true }));

/** POSIX sh itself reads the env file back: the proof that the quoting is shell-safe. */
function parseWithShell(text: string, keys: readonly string[]): Record<string, string> {
  const file = join(dir, 'app.env');
  writeFileSync(file, text);
  const output = execFileSync('sh', ['-c', 'set -a; . "$1"; env -0', 'sh', file], { encoding: 'utf8', env: {} });
  const values: Record<string, string> = {};
  for (const entry of output.split('\0')) {
    const equals = entry.indexOf('=');
    const key = entry.slice(0, equals);
    if (keys.includes(key)) values[key] = entry.slice(equals + 1);
  }
  return values;
}

/** The dotenv dialect docs/formats.md documents: KEY="…" with \\ \" \n \r \t. */
function parseDotenv(text: string): Record<string, string> {
  const values: Record<string, string> = {};
  const unescape: Record<string, string> = { '\\': '\\', '"': '"', n: '\n', r: '\r', t: '\t' };
  for (const line of text.split('\n').filter((entry) => entry !== '')) {
    const match = /^([A-Za-z_][A-Za-z0-9_]*)="((?:[^"\\]|\\.)*)"$/.exec(line);
    assert.ok(match, `dotenv line ${JSON.stringify(line)}`);
    values[match[1] ?? ''] = (match[2] ?? '').replace(/\\(.)/g, (_, char: string) => unescape[char] ?? `\\${char}`);
  }
  return values;
}

/** java.util.Properties.load for the subset `Properties.store` writes (one logical line each). */
function parseProperties(text: string): Record<string, string> {
  const values: Record<string, string> = {};
  const unescape = (raw: string) =>
    raw.replace(/\\(u[0-9a-fA-F]{4}|.)/g, (_, code: string) => {
      if (code.length === 5) return String.fromCharCode(Number.parseInt(code.slice(1), 16));
      return ({ t: '\t', n: '\n', r: '\r', f: '\f' } as Record<string, string>)[code] ?? code;
    });
  for (const line of text.split('\n').filter((entry) => entry !== '')) {
    const match = /^((?:[^\\=:]|\\.)*)=(.*)$/.exec(line);
    assert.ok(match, `properties line ${JSON.stringify(line)}`);
    values[unescape(match[1] ?? '')] = unescape(match[2] ?? '');
  }
  return values;
}

/** UTF-8 cannot carry a lone surrogate; Vault data never holds one. */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;
const text = fc.string({ unit: 'binary', maxLength: 30 }).map((value) => value.replace(LONE_SURROGATE, '\uFFFD'));
const identifier = fc.stringMatching(/^K_[A-Za-z0-9_]{0,12}$/);
const anyKey = text.filter((key) => key !== '__proto__');

describe('formats', () => {
  const data = { b: 'it\'s "quoted"\n$HOME `x`', a: 1, c: { z: true, y: null }, d: 'plain' };
  const cases: [OutputFormat, string][] = [
    ['env', `a='1'\nb='it'\\''s "quoted"\n$HOME \`x\`'\nc='{"y":null,"z":true}'\nd='plain'\n`],
    ['dotenv', `a="1"\nb="it's \\"quoted\\"\\n$HOME \`x\`"\nc="{\\"y\\":null,\\"z\\":true}"\nd="plain"\n`],
    [
      'json',
      '{\n  "a": 1,\n  "b": "it\'s \\"quoted\\"\\n$HOME `x`",\n  "c": {\n    "y": null,\n    "z": true\n  },\n  "d": "plain"\n}\n',
    ],
    ['yaml', 'a: 1\nb: |-\n  it\'s "quoted"\n  $HOME `x`\nc:\n  "y": null\n  z: true\nd: plain\n'],
    ['properties', 'a=1\nb=it\'s "quoted"\\n$HOME `x`\nc={"y"\\:null,"z"\\:true}\nd=plain\n'],
  ];
  for (const [format, expected] of cases) {
    test(`${format}: sorted keys, documented quoting`, () => {
      assert.equal(writeFormat(format, data, 'object "f"'), expected);
    });
  }

  test('yaml quotes strings YAML 1.1 would read as other types', () => {
    const written = writeFormat('yaml', { a: 'yes', b: '0600', c: 'on', d: '1_000', e: '~' }, 'o');
    assert.deepEqual(parseYaml(written, { version: '1.1' }), { a: 'yes', b: '0600', c: 'on', d: '1_000', e: '~' });
  });

  test('properties escapes key separators and non-ASCII', () => {
    assert.equal(writeFormat('properties', { ' k=v:#!': ' é😀' }, 'o'), '\\ k\\=v\\:\\#\\!=\\ \\u00e9\\ud83d\\ude00\n');
  });

  const errors: [OutputFormat, unknown, RegExp][] = [
    ['env', { 'bad-key': 'v' }, /key "bad-key" cannot be written as format env: keys must be shell identifiers/],
    ['dotenv', { '1abc': 'v' }, /key "1abc" cannot be written as format dotenv/],
    ['env', { K: 'a\0b' }, /the value of key "K" contains a NUL character/],
    ['json', 'a string', /format json needs a mapping of keys to values, but the selection is a string/],
    ['yaml', [1, 2], /but the selection is a list/],
  ];
  for (const [format, value, message] of errors) {
    test(`${format} refuses ${JSON.stringify(value)}`, () => {
      assert.throws(
        () => writeFormat(format, value, 'object "f"'),
        (error: Error) => error instanceof InvalidParameterError && message.test(error.message),
      );
    });
  }

  test('env round-trips through a real POSIX shell for arbitrary values', () => {
    const values = text.filter((value) => !value.includes('\0'));
    fc.assert(
      fc.property(fc.dictionary(identifier, values, { maxKeys: 6, noNullPrototype: true }), (data) => {
        assert.deepEqual(parseWithShell(writeFormat('env', data, 'o'), Object.keys(data)), data);
      }),
      { numRuns: 40 },
    );
  });

  test('dotenv, json, yaml and properties round-trip for arbitrary keys and values', () => {
    const flat = fc.dictionary(anyKey, text, { maxKeys: 8, noNullPrototype: true });
    const nested = fc.dictionary(
      anyKey,
      fc.oneof(
        text,
        fc.integer(),
        fc.boolean(),
        fc.constant(null),
        fc.dictionary(anyKey, text, { maxKeys: 3, noNullPrototype: true }),
      ),
      { maxKeys: 8, noNullPrototype: true },
    );
    fc.assert(
      fc.property(
        fc.dictionary(
          identifier,
          text.filter((value) => !value.includes('\0')),
          { maxKeys: 8, noNullPrototype: true },
        ),
        (data) => {
          assert.deepEqual(parseDotenv(writeFormat('dotenv', data, 'o')), data);
        },
      ),
    );
    fc.assert(
      fc.property(nested, (data) => {
        assert.deepEqual(JSON.parse(writeFormat('json', data, 'o')), data);
        const yaml = writeFormat('yaml', data, 'o');
        assert.deepEqual(parseYaml(yaml), data);
        assert.deepEqual(parseYaml(yaml, { version: '1.1' }), data);
      }),
    );
    fc.assert(
      fc.property(flat, (data) => {
        const written = writeFormat('properties', data, 'o');
        assert.match(written, /^[\x20-\x7e\n]*$/, 'pure ASCII');
        assert.deepEqual(parseProperties(written), data);
      }),
    );
  });

  test('dotenv is read back by python-dotenv itself, when installed', (t) => {
    const probe = spawnSync('python3', ['-c', 'import dotenv'], { encoding: 'utf8' });
    if (probe.status !== 0) {
      t.skip('python3 with python-dotenv is not installed');
      return;
    }
    // python-dotenv cannot represent \r in a line-based read back, nor NUL.
    const value = text.filter((entry) => !/[\0\r]/.test(entry));
    const samples = fc.sample(fc.dictionary(identifier, value, { maxKeys: 5, noNullPrototype: true }), 40);
    const files = samples.map((data, index) => {
      const file = join(dir, `sample-${index}.env`);
      writeFileSync(file, writeFormat('dotenv', data, 'o'));
      return file;
    });
    const script =
      'import sys, json, dotenv\n' +
      'print(json.dumps([dotenv.dotenv_values(f, interpolate=False, encoding="utf-8") for f in sys.argv[1:]]))';
    const output = execFileSync('python3', ['-c', script, ...files], { encoding: 'utf8' });
    assert.deepEqual(JSON.parse(output), samples);
  });

  test('the bytes depend on the data only, not on key order', () => {
    fc.assert(
      fc.property(fc.dictionary(identifier, text, { maxKeys: 6, noNullPrototype: true }), (data) => {
        const reversed = Object.fromEntries(Object.entries(data).reverse());
        for (const format of ['env', 'dotenv', 'json', 'yaml', 'properties'] as const) {
          if (format === 'env' || format === 'dotenv') {
            if (Object.values(data).some((value) => value.includes('\0'))) continue;
          }
          assert.equal(writeFormat(format, reversed, 'o'), writeFormat(format, data, 'o'));
        }
      }),
    );
  });
});
