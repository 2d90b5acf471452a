import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { parseTemplate, TemplateError } from '../../src/template/index.js';
import { KV, SECRET, templateError } from './helpers.js';

// [template, line, column, message without the position prefix]
const parseErrors: [string, number, number, string][] = [
  ['{{ .A }', 1, 1, 'unclosed action'],
  ['{{ if true }}x', 1, 15, 'unexpected EOF: {{if}} has no {{end}}'],
  ['{{ end }}', 1, 4, 'unexpected {{end}}'],
  ['{{ else }}', 1, 4, 'unexpected {{else}}'],
  ['{{ if 1 }}{{ else if 2 }}{{ else }}{{ else }}{{ end }}', 1, 39, 'expected end; found {{else}}'],
  ['{{ range 1 }}{{ else if 1 }}{{ end }}{{ end }}', 1, 22, '{{else if}} cannot continue {{range}}'],
  ['{{ $x }}', 1, 4, 'undefined variable "$x"'],
  ['{{ $x = 1 }}', 1, 4, 'undefined variable "$x"'],
  ['{{ $a, $b := 1 }}', 1, 6, 'too many declarations in command'],
  ['{{ len }}', 1, 4, 'wrong number of args for len: want 1 got 0'],
  ['{{ print len }}', 1, 10, 'wrong number of args for len: want 1 got 0'],
  ['{{ printf }}', 1, 4, 'wrong number of args for printf: want at least 1 got 0'],
  ['{{ break }}', 1, 4, '{{break}} outside {{range}}'],
  ['{{ template "x" }}{{ define "x" }}{{ continue }}{{ end }}', 1, 38, '{{continue}} outside {{range}}'],
  ['{{ "a" "b" }}', 1, 4, 'can\'t give argument to non-function "a"'],
  ['{{ .Data "x" }}', 1, 4, "can't give argument to non-function .Data"],
  ['{{ 1 | 2 }}', 1, 8, 'non executable command in pipeline stage 2'],
  ['{{ nil }}', 1, 4, 'nil is not a command'],
  ['{{ }}', 1, 4, 'missing value for command'],
  ['{{ if }}{{ end }}', 1, 7, 'missing value for if'],
  ['{{ 99999999999999999999 }}', 1, 4, 'integer overflow: 99999999999999999999'],
  ['{{ 0x }}', 1, 4, 'illegal number syntax: 0x'],
  ['{{ 1i }}', 1, 4, 'complex numbers are not supported: 1i'],
  ['{{ "\\q" }}', 1, 4, 'invalid escape in string "\\q"'],
  ['{{ "abc }}', 1, 4, 'unterminated quoted string'],
  ["{{ 'ab' }}", 1, 4, "malformed character constant: 'ab'"],
  ['{{/* x */ }}', 1, 1, 'comment ends before closing delimiter'],
  ['{{/* x', 1, 1, 'unclosed comment'],
  ['{{ template "nope" }}', 1, 4, 'no such template "nope"'],
  ['{{ define "a" }}x{{ end }}{{ define "a" }}y{{ end }}', 1, 30, 'multiple definition of template "a"'],
  ['{{ with 1 }}{{ define "x" }}{{ end }}{{ end }}', 1, 16, 'define is only allowed at the top level'],
  ['{{ ( 1 }}', 1, 8, 'unclosed left paren'],
  ['{{ 1) }}', 1, 5, 'unexpected right paren'],
  ['{{ .A.B"x" }}', 1, 8, "bad character U+0022 '\"'"],
  ['{{ "a".x }}', 1, 4, 'unexpected . after term "a"'],
  ['{{ & }}', 1, 4, 'unexpected "&" in command'],
  [
    'line1\nline2 {{ plugin "x" }}',
    2,
    10,
    'function "plugin" is not available in the provider sandbox: it would run a program on the node',
  ],
  // Columns count code points: é and 😀 are one column each.
  [
    'é😀{{ key "x" }}',
    1,
    6,
    'function "key" is not available in the provider sandbox: it would query Consul, which the provider does not talk to',
  ],
  [
    '{{ secret .path }}',
    1,
    11,
    'secret arguments must be string constants (reads are planned before the template runs)',
  ],
  ['{{ "p" | secret }}', 1, 10, 'secret arguments must be string constants, not a piped value'],
  ['{{ secret "p" "novalue" }}', 1, 15, 'secret argument 2 is not a key=value pair'],
  ['{{ secret "" }}', 1, 11, 'secret path is empty'],
  ['{{ print secret }}', 1, 10, 'secret needs a path argument'],
];

const execErrors: [string, number, number, string][] = [
  [`${KV}\n{{ $d.b.c }}`, 2, 4, "can't evaluate field c in type string"],
  [`${KV}\n{{ $d.missing.x }}`, 2, 4, 'nil pointer evaluating interface {}.x'],
  [`${KV}\n{{ $d.nul.x }}`, 2, 4, 'nil pointer evaluating interface {}.x'],
  [
    '{{ with secret "database/creds/app" }}{{ .data }}{{ end }}',
    1,
    42,
    "can't evaluate field data in type *dependency.Secret (did you mean .Data?)",
  ],
  [
    '{{ with secret "database/creds/app" }}{{ .Nope }}{{ end }}',
    1,
    42,
    "can't evaluate field Nope in type *dependency.Secret (fields: RequestID, LeaseID, LeaseDuration, Renewable, Data, Warnings, Auth, WrapInfo)",
  ],
  ['{{ range "abc" }}{{ end }}', 1, 4, "range can't iterate over a value of type string"],
  ['{{ range $i, $v := 3 }}{{ end }}', 1, 4, "can't use an integer to iterate over more than one variable"],
  ['{{ range 1.5 }}{{ end }}', 1, 4, "range can't iterate over a value of type float64"],
];

describe('template errors', () => {
  for (const [source, line, column, detail] of parseErrors) {
    test(`parse: ${JSON.stringify(source)}`, () => {
      const error = templateError(source);
      assert.equal(error.kind, 'parse');
      assert.equal(error.code, 'ERR_TEMPLATE_PARSE');
      assert.deepEqual([error.line, error.column, error.detail], [line, column, detail]);
      assert.equal(error.message, `template line ${line}, column ${column}: ${detail}`);
    });
  }
  for (const [source, line, column, detail] of execErrors) {
    test(`exec: ${JSON.stringify(source)}`, () => {
      const error = templateError(source);
      assert.equal(error.kind, 'exec');
      assert.deepEqual([error.line, error.column, error.detail], [line, column, detail]);
    });
  }

  test('unsupported functions are named, with the supported list', () => {
    for (const name of ['html', 'js', 'call', 'slice', 'sprig_upper', 'title', 'default']) {
      const error = templateError(`{{ ${name} "x" }}`);
      assert.match(
        error.message,
        new RegExp(`^template line 1, column 4: function "${name}" is not supported \\(supported: and, base64Decode, `),
      );
    }
  });

  // Failures that involve a secret value must describe it by type only.
  const onSecret = [
    '{{ with secret "database/creds/app" }}{{ .Data.password.x }}{{ end }}',
    '{{ with secret "database/creds/app" }}{{ index .Data.password 99 }}{{ end }}',
    '{{ with secret "database/creds/app" }}{{ parseJSON .Data.password }}{{ end }}',
    '{{ with secret "database/creds/app" }}{{ range .Data.password }}{{ end }}{{ end }}',
    '{{ with secret "database/creds/app" }}{{ lt .Data.password true }}{{ end }}',
    '{{ with secret "database/creds/app" }}{{ base64Decode .Data.password }}{{ end }}',
    '{{ with secret "database/creds/app" }}{{ index .Data.password .Data.password }}{{ end }}',
    '{{ with secret "database/creds/app" }}{{ len (index .Data "password" | eq 1) }}{{ end }}',
    '{{ with secret "database/creds/app" }}{{ index (split "," "a") .Data.password }}{{ end }}',
    '{{ with secret "database/creds/app" }}{{ range $i, $v := .Data.lease }}{{ end }}{{ .Data.password | toUpper | printf "%s" | len | index .Data }}{{ end }}',
  ];
  for (const source of onSecret) {
    test(`no secret value in: ${source}`, () => {
      const error = templateError(source);
      assert.ok(!error.message.includes(SECRET), error.message);
      assert.ok(!error.message.includes('v-k8s-app-x1'), error.message);
    });
  }

  test('TemplateError is an Error with a stable name', () => {
    assert.throws(
      () => parseTemplate('{{'),
      (error: unknown) => error instanceof TemplateError && error instanceof Error && error.name === 'TemplateError',
    );
  });
});
