import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { InvalidParameterError, ResourceLimitError } from '../../../src/errors.js';
import { parseObjects } from '../../../src/mount/parse/objects.js';
import { planRequests } from '../../../src/mount/plan.js';
import { renderPlanned } from '../../../src/mount/render/render-planned.js';
import type { VaultSecret } from '../../../src/vault/vault-request.js';

/** Serves planned requests from canned answers keyed by "METHOD path". */
function answers(objectsYaml: string, byRequest: Record<string, VaultSecret>) {
  const { objects } = parseObjects(objectsYaml);
  const plan = planRequests(objects);
  const secrets = new Map(
    plan.requests.map((request) => {
      const answer = byRequest[`${request.method} ${request.path}`];
      assert.ok(answer, `no canned answer for ${request.method} ${request.path}`);
      return [request.key, answer] as const;
    }),
  );
  return { objects, plan, render: (index: number) => renderPlanned(objects[index] ?? assert.fail(), plan, secrets) };
}

const KV2: VaultSecret = { data: { data: { user: 'u', pass: 'p@ss', port: 5432 }, metadata: { version: 2 } } };

describe('template objects', () => {
  test('template reads join the plan: one request per unique read, shared with objects', () => {
    const { plan, render } = answers(
      `
- objectName: url
  template: '{{ with secret "secret/data/db" }}{{ .Data.data.user }}@{{ .Data.data.port }}{{ end }}'
- objectName: again
  template: '{{ (secret "/v1/secret/data/db").Data.metadata.version }}'
- objectName: pass
  secretPath: secret/data/db
  secretKey: pass
- objectName: cert
  template: '{{ with secret "pki/issue/web" "common_name=a.example.com" }}{{ .Data.certificate }}{{ end }}'
- objectName: cert-object
  secretPath: pki/issue/web
  method: PUT
  secretArgs: {common_name: a.example.com}
  pki: certificate
`,
      {
        'GET /v1/secret/data/db': KV2,
        'PUT /v1/pki/issue/web': { data: { certificate: '-----BEGIN CERTIFICATE-----\nX\n-----END CERTIFICATE-----' } },
      },
    );
    assert.deepEqual(
      plan.requests.map((request) => `${request.method} ${request.path}`),
      ['GET /v1/secret/data/db', 'PUT /v1/pki/issue/web'],
    );
    assert.equal(render(0).toString(), 'u@5432');
    assert.equal(render(1).toString(), '2');
    assert.equal(render(2).toString(), 'p@ss');
    assert.equal(render(3).toString(), '-----BEGIN CERTIFICATE-----\nX\n-----END CERTIFICATE-----');
    assert.equal(render(4).toString(), '-----BEGIN CERTIFICATE-----\nX\n-----END CERTIFICATE-----\n');
  });

  const features: [string, string, string][] = [
    [
      'range over sorted keys',
      '{{ with secret "s/data/x" }}{{ range $k, $v := .Data.data }}{{ $k }}={{ $v }};{{ end }}{{ end }}',
      'pass=p@ss;port=5432;user=u;',
    ],
    [
      'if / else',
      '{{ with secret "s/data/x" }}{{ if eq .Data.data.port 5432 }}default{{ else }}custom{{ end }}{{ end }}',
      'default',
    ],
    ['printf and pipelines', '{{ with secret "s/data/x" }}{{ .Data.data.user | printf "%s:%v" "x" }}{{ end }}', 'x:u'],
    [
      'toJSON',
      '{{ with secret "s/data/x" }}{{ .Data.data | toJSON }}{{ end }}',
      '{"pass":"p@ss","port":5432,"user":"u"}',
    ],
    ['base64Encode', '{{ with secret "s/data/x" }}{{ .Data.data.user | base64Encode }}{{ end }}', 'dQ=='],
    [
      'index and trimSpace',
      '{{ with secret "s/data/x" }}{{ index .Data.data "user" | printf " %s " | trimSpace }}{{ end }}',
      'u',
    ],
    ['missing key prints <no value>', '{{ with secret "s/data/x" }}{{ .Data.data.nope }}{{ end }}', '<no value>'],
  ];
  for (const [name, template, expected] of features) {
    test(name, () => {
      const { render } = answers(`- objectName: f\n  template: ${JSON.stringify(template)}`, {
        'GET /v1/s/data/x': KV2,
      });
      assert.equal(render(0).toString(), expected);
    });
  }

  test('encoding decodes the rendered text', () => {
    const { render } = answers(
      `- objectName: f\n  encoding: base64\n  template: '{{ with secret "s/data/x" }}{{ .Data.data.user | base64Encode }}{{ end }}'`,
      { 'GET /v1/s/data/x': KV2 },
    );
    assert.equal(render(0).toString(), 'u');
  });

  test('a run-time error names line and column, never the value', () => {
    const { render } = answers(
      `- objectName: f\n  template: "{{ with secret \\"s/data/x\\" }}\\n  {{ .Data.data.pass.deeper }}{{ end }}"`,
      {
        'GET /v1/s/data/x': KV2,
      },
    );
    assert.throws(
      () => render(0),
      (error: Error) =>
        error instanceof InvalidParameterError &&
        /object "f": template line 2, column \d+/.test(error.message) &&
        !error.message.includes('p@ss'),
    );
  });

  const escapes: [string, RegExp][] = [
    ['{{ env "HOME" }}', /"env" is not available in the provider sandbox/],
    ['{{ file "/etc/passwd" }}', /"file" is not available in the provider sandbox/],
    ['{{ plugin "sh" "-c" "id" }}', /"plugin" is not available in the provider sandbox/],
    ['{{ executeTemplate "x" }}', /"executeTemplate" is not available/],
    ['{{ call .Data }}', /"call" is not supported/],
    ['{{ secret (printf "sys/%s" "raw") }}', /secret arguments must be string constants/],
    ['{{ $p := "secret/data/x" }}{{ secret $p }}', /secret arguments must be string constants/],
  ];
  test('a spent budget (steps) is ResourceExhausted, with its position', () => {
    const { render } = answers(`- objectName: f\n  template: "{{ range $i := 100000000 }}x{{ end }}"`, {});
    assert.throws(
      () => render(0),
      (error: Error) =>
        error instanceof ResourceLimitError &&
        /^object "f": template line 1, column \d+: template execution exceeded 100000 steps/.test(error.message),
    );
  });

  for (const [template, message] of escapes) {
    test(`sandbox refuses ${template}`, () => {
      const attempt = () => {
        const { render } = answers(`- objectName: f\n  template: ${JSON.stringify(template)}`, {});
        render(0);
      };
      assert.throws(attempt, (error: Error) => {
        assert.ok(error instanceof InvalidParameterError, error.message);
        assert.match(error.message, /line \d+, column \d+/);
        assert.match(error.message, message);
        return true;
      });
    });
  }
});
