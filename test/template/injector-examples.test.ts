import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { executeTemplate, parseTemplate } from '../../src/template/index.js';

// The two templates from issue 7, as users write them in Vault Agent Injector annotations.
describe('Vault Agent Injector templates render byte for byte', () => {
  test('database connection string (trim markers, dynamic secret)', () => {
    const source = [
      '{{- with secret "database/creds/app" -}}',
      'postgresql://{{ .Data.username }}:{{ .Data.password }}@db:5432/app',
      '{{- end }}',
      '',
    ].join('\n');
    const parsed = parseTemplate(source);
    assert.deepEqual(parsed.secretCalls, [{ path: 'database/creds/app', args: {} }]);
    const output = executeTemplate(parsed, () => ({
      request_id: 'a1',
      lease_id: 'database/creds/app/xyz',
      lease_duration: 3600,
      renewable: true,
      data: { username: 'v-kubernetes-app-Rw3', password: 'A1a-9XyZ' },
      warnings: null,
    }));
    assert.equal(output, 'postgresql://v-kubernetes-app-Rw3:A1a-9XyZ@db:5432/app\n');
  });

  test('KV v2 env file', () => {
    const source = '{{ with secret "k8s/data/myapp/prod" }}\nMYKEY={{ .Data.data.mykey }}\n{{ end }}\n';
    const parsed = parseTemplate(source);
    assert.deepEqual(parsed.secretCalls, [{ path: 'k8s/data/myapp/prod', args: {} }]);
    const output = executeTemplate(parsed, () => ({
      request_id: 'b2',
      lease_id: '',
      lease_duration: 0,
      renewable: false,
      data: {
        data: { mykey: 'hello' },
        metadata: { version: 2, created_time: '2026-01-01T00:00:00Z', deletion_time: '', destroyed: false },
      },
    }));
    assert.equal(output, '\nMYKEY=hello\n\n');
  });
});
