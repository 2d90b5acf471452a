import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { executeTemplate, parseTemplate, TemplateError, type ParsedTemplate } from '../../src/template/index.js';

// Fragments that make random input look like templates, so the properties reach deep into the
// parser and executor instead of stopping at the first character.
const FRAGMENTS = [
  '{{',
  '}}',
  '{{- ',
  ' -}}',
  '{{/*',
  '*/}}',
  ' ',
  '\n',
  '.',
  '.Data',
  '.data',
  '.x',
  '$',
  '$x',
  '$y',
  ':=',
  '=',
  ',',
  '|',
  '(',
  ')',
  'if',
  'else',
  'end',
  'range',
  'with',
  'define',
  'template',
  'block',
  'break',
  'continue',
  'nil',
  'true',
  'false',
  '"a"',
  '"k8s/data/x"',
  '`raw`',
  "'c'",
  '0',
  '1',
  '-2',
  '3.5',
  '0x1f',
  '1e3',
  'secret',
  'printf',
  '"%v %s %d %q %x %5.2f"',
  'print',
  'println',
  'len',
  'index',
  'eq',
  'lt',
  'and',
  'or',
  'not',
  'toJSON',
  'toYAML',
  'toJSONPretty',
  'split',
  'join',
  'keys',
  'parseJSON',
  'base64Decode',
  'trimSpace',
  'indent',
  'contains',
  'env',
  'urlquery',
  'replaceAll',
];

const templateLike = fc
  .array(fc.oneof(fc.constantFrom(...FRAGMENTS), fc.string({ maxLength: 3 })), { maxLength: 40 })
  .map((parts) => parts.join(''));
const source = fc.oneof(fc.string({ maxLength: 200 }), fc.string({ unit: 'grapheme', maxLength: 100 }), templateLike);

function parseOrTemplateError(text: string): ParsedTemplate | undefined {
  try {
    return parseTemplate(text);
  } catch (error) {
    if (error instanceof TemplateError) {
      assert.ok(error.line >= 1 && error.column >= 1);
      return undefined;
    }
    throw error;
  }
}

describe('properties', () => {
  test('parseTemplate either parses or throws a TemplateError', () => {
    fc.assert(
      fc.property(source, (text) => {
        parseOrTemplateError(text);
      }),
      { numRuns: 3000 },
    );
  });

  test('executing a parsed template over arbitrary JSON returns a string or throws a TemplateError', () => {
    // Templates that parse, built from fragments around a secret read.
    const body = fc.array(fc.constantFrom(...FRAGMENTS), { maxLength: 12 }).map((parts) => parts.join(' '));
    const withSecret = fc
      .tuple(body, body)
      .map(([a, b]) => `{{ with secret "k8s/data/x" }}{{ ${a} }}{{ ${b} }}{{ end }}`);
    const cases = fc.tuple(fc.oneof(withSecret, templateLike), fc.jsonValue(), fc.jsonValue({ maxDepth: 4 }));
    let executed = 0;
    fc.assert(
      fc.property(cases, ([text, envelope, data]) => {
        const parsed = parseOrTemplateError(text);
        if (parsed === undefined) return;
        for (const response of [envelope, { data, lease_id: 'l', lease_duration: 1, renewable: false }]) {
          try {
            const output = executeTemplate(parsed, () => response, { maxSteps: 20_000 });
            assert.equal(typeof output, 'string');
            executed++;
          } catch (error) {
            if (!(error instanceof TemplateError)) throw error;
          }
        }
      }),
      { numRuns: 3000 },
    );
    assert.ok(executed > 100, `only ${executed} executions succeeded`);
  });

  test('plain text renders unchanged', () => {
    fc.assert(
      fc.property(
        fc.string({ maxLength: 200 }).filter((text) => !text.includes('{{')),
        (text) => {
          assert.equal(
            executeTemplate(parseTemplate(text), () => ({})),
            text,
          );
        },
      ),
    );
  });
});
