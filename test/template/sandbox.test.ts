import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { DEFAULT_TEMPLATE_LIMITS, executeTemplate, parseTemplate, TemplateError } from '../../src/template/index.js';
import { KV, render, templateError } from './helpers.js';

function limitError(source: string, limits?: Parameters<typeof render>[1]): TemplateError {
  const error = templateError(source, limits);
  assert.equal(error.kind, 'limit', error.message);
  assert.equal(error.code, 'ERR_TEMPLATE_LIMIT');
  return error;
}

describe('sandbox', () => {
  const refused: [string, RegExp][] = [
    ['env "HOME"', /not available in the provider sandbox: it would read the provider's environment variables/],
    ['envOrDefault "A" "b"', /not available in the provider sandbox/],
    ['file "/etc/passwd"', /not available in the provider sandbox: it would read files/],
    ['writeToFile "/tmp/x" "root" "root" "0644" "x"', /it would write files/],
    ['plugin "/bin/sh"', /it would run a program/],
    ['executeTemplate "x"', /use \{\{template "name" \.\}\} instead/],
    ['sockaddr "GetAllInterfaces"', /network interfaces/],
    ['key "service/x"', /it would query Consul/],
    ['service "web"', /it would query Consul/],
    ['nomadVar "x"', /it would query Nomad/],
    ['timestamp', /reads the clock/],
    ['pkiCert "pki/issue/x"', /use secret "pki\/issue\/<role>"/],
    ['secrets "kv/metadata"', /cannot be planned/],
  ];
  for (const [call, message] of refused) {
    test(`refuses ${call}`, () => {
      const error = templateError(`x\n{{ ${call} }}`);
      assert.equal(error.kind, 'parse');
      assert.deepEqual([error.line, error.column], [2, 4]);
      assert.match(error.message, message);
    });
  }

  test('refused even in branches that would never run', () => {
    assert.equal(templateError('{{ if false }}{{ env "X" }}{{ end }}').kind, 'parse');
  });

  test('JavaScript prototype members are missing keys, never reachable values', () => {
    assert.equal(
      render(`${KV}{{ $d.constructor }}|{{ $d.__proto__ }}|{{ index $d "constructor" }}|{{ $d.valueOf }}`).output,
      '<no value>|<no value>|<no value>|<no value>',
    );
    assert.equal(templateError(`${KV}{{ $d.constructor.name }}`).detail, 'nil pointer evaluating interface {}.name');
    assert.match(
      templateError('{{ with secret "database/creds/app" }}{{ .constructor }}{{ end }}').detail,
      /^can't evaluate field constructor in type \*dependency.Secret/,
    );
    assert.equal(render('{{ (parseJSON "{\\"__proto__\\":{\\"x\\":1}}").__proto__.x }}').output, '1'); // a real key named __proto__ is data
    assert.equal(({} as Record<string, unknown>).x, undefined, 'Object.prototype untouched');
  });

  test('recursive template calls hit maxDepth', () => {
    const error = limitError('{{ define "loop" }}{{ template "loop" . }}{{ end }}{{ template "loop" 1 }}');
    assert.match(error.detail, /nested deeper than 50 levels/);
    limitError(
      '{{ define "a" }}{{ if true }}{{ template "b" }}{{ end }}{{ end }}{{ define "b" }}{{ template "a" }}{{ end }}{{ template "a" }}',
      { maxDepth: 10 },
    );
  });

  test('deep nesting in the source hits maxDepth at parse time', () => {
    assert.match(limitError(`{{ ${'('.repeat(60)}1${')'.repeat(60)} }}`).detail, /nesting is deeper than 50 levels/);
    limitError(`${'{{ if true }}'.repeat(51)}${'{{ end }}'.repeat(51)}`);
    assert.equal(render(`${'{{ if true }}'.repeat(49)}ok${'{{ end }}'.repeat(49)}`).output, 'ok');
    limitError(`{{ ${'('.repeat(30000)}1${')'.repeat(30000)} }}`);
  });

  test('huge range loops hit maxSteps', () => {
    assert.match(limitError('{{ range 1000000000 }}{{ end }}').detail, /exceeded 100000 steps/);
    limitError(
      '{{ $l := split "," "a,b,c,d,e,f,g,h,i,j" }}{{ range $l }}{{ range $l }}{{ range $l }}{{ range $l }}{{ range $l }}x{{ end }}{{ end }}{{ end }}{{ end }}{{ end }}',
    );
    limitError('{{ range 100 }}x{{ end }}', { maxSteps: 50 });
  });

  test('output over maxOutputBytes', () => {
    assert.match(
      limitError('{{ range 100 }}0123456789{{ end }}', { maxOutputBytes: 500 }).detail,
      /output is larger than 500 bytes/,
    );
    assert.equal(render('{{ range 50 }}0123456789{{ end }}', { maxOutputBytes: 500 }).output.length, 500);
    // Multi-byte characters count as their UTF-8 bytes.
    limitError('{{ range 100 }}é{{ end }}', { maxOutputBytes: 150 });
  });

  test('intermediate strings are bounded too', () => {
    limitError('{{ $s := "ab" }}{{ range 40 }}{{ $s = printf "%s%s" $s $s }}{{ end }}');
    limitError('{{ printf "%0999999999d" 1 }}');
    limitError('{{ indent 999999999 "a" }}');
    limitError('{{ $s := "ab" }}{{ range 30 }}{{ $s = replaceAll "a" "aaaa" $s }}{{ end }}');
  });

  test('template over maxTemplateBytes', () => {
    const error = limitError('x'.repeat(DEFAULT_TEMPLATE_LIMITS.maxTemplateBytes + 1));
    assert.deepEqual([error.line, error.column], [1, 1]);
    assert.equal(parseTemplate('é'.repeat(5), { maxTemplateBytes: 10 }).secretCalls.length, 0);
    assert.throws(() => parseTemplate('é'.repeat(6), { maxTemplateBytes: 10 }), TemplateError);
  });

  test('deeply nested data is refused, not a stack overflow', () => {
    let deep: unknown = 'leaf';
    for (let i = 0; i < 5000; i++) deep = [deep];
    const parsed = parseTemplate('{{ with secret "x" }}{{ .Data }}{{ end }}');
    assert.throws(
      () => executeTemplate(parsed, () => ({ data: { deep } })),
      (error: unknown) => error instanceof TemplateError && error.kind === 'limit',
    );
    limitError(`{{ parseJSON "${'['.repeat(2000)}${']'.repeat(2000)}" }}`);
  });

  test('lookup errors pass through unchanged', () => {
    class VaultDown extends Error {
      readonly code = 'ERR_VAULT_UNAVAILABLE';
    }
    const parsed = parseTemplate('{{ with secret "x" }}{{ .Data }}{{ end }}');
    assert.throws(
      () =>
        executeTemplate(parsed, () => {
          throw new VaultDown('sealed');
        }),
      VaultDown,
    );
  });

  test('a lookup that returns no object is a template error', () => {
    const parsed = parseTemplate('{{ with secret "x" }}{{ .Data }}{{ end }}');
    for (const bad of [undefined, null, 'x', 3, [], new Date(0)]) {
      assert.throws(
        () => executeTemplate(parsed, () => bad),
        (error: unknown) =>
          error instanceof TemplateError &&
          error.detail === 'error calling secret: the secret lookup returned no response object',
      );
    }
  });

  test('secretCalls lists planned reads with parsed args, de-duplicated, in order', () => {
    const parsed = parseTemplate(
      [
        '{{ with secret "pki/issue/web" "common_name=a.b" "ttl=1h" " alt_names = x,y " "" }}{{ .Data.certificate }}{{ end }}',
        '{{ with secret "database/creds/app" }}{{ end }}',
        '{{ define "t" }}{{ with secret "kv/data/only-in-define" }}{{ end }}{{ end }}',
        '{{ with secret "pki/issue/web" "ttl=1h" "common_name=a.b" "alt_names=x,y" }}{{ end }}',
        '{{ secret "pki/issue/web" "common_name=c=d" "ttl=1h" "ttl=2h" | toJSON }}',
      ].join('\n'),
    );
    assert.deepEqual(parsed.secretCalls, [
      { path: 'pki/issue/web', args: { common_name: 'a.b', ttl: '1h', alt_names: 'x,y' } },
      { path: 'database/creds/app', args: {} },
      { path: 'kv/data/only-in-define', args: {} },
      { path: 'pki/issue/web', args: { common_name: 'c=d', ttl: '2h' } },
    ]);
    assert.ok(Object.isFrozen(parsed.secretCalls));
  });

  test('limits are validated', () => {
    assert.throws(() => parseTemplate('x', { maxDepth: 0 }), /template limit maxDepth must be a positive integer/);
    assert.throws(() => parseTemplate('x', { maxSteps: 1.5 }), RangeError);
  });

  test('only templates from parseTemplate execute', () => {
    assert.throws(() => executeTemplate({ secretCalls: [] }, () => ({})), TypeError);
  });
});
