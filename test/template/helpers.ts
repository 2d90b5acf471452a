// Shared fixtures for the template tests: Vault response envelopes as the provider's reader
// returns them, and a render helper that records which reads were made.
import { executeTemplate, parseTemplate, TemplateError, type TemplateLimits } from '../../src/template/index.js';

export const SECRET = 'S3CR3T-VALUE';

export const ENVELOPES: Readonly<Record<string, unknown>> = {
  'database/creds/app': {
    request_id: 'req-1',
    lease_id: 'database/creds/app/L1',
    lease_duration: 3600,
    renewable: true,
    data: { username: 'v-k8s-app-x1', password: SECRET },
    warnings: null,
  },
  'k8s/data/myapp/prod': {
    data: {
      data: {
        mykey: 'myvalue',
        b: 'two',
        list: ['x', 'y', 'z'],
        nested: { k: 'v' },
        num: 42,
        float: 2.5,
        big: 1000000,
        flag: true,
        empty: '',
        nul: null,
        zero: 0,
      },
      metadata: { version: 3, created_time: '2026-01-01T00:00:00Z' },
    },
  },
};

export interface Rendered {
  output: string;
  reads: { path: string; args: Readonly<Record<string, string>> }[];
}

export function render(source: string, limits?: Partial<TemplateLimits>): Rendered {
  const reads: Rendered['reads'] = [];
  const parsed = parseTemplate(source, limits);
  const output = executeTemplate(
    parsed,
    (path, args) => {
      reads.push({ path, args });
      if (path.startsWith('pki/issue/')) return { data: { certificate: 'CERT', cn: args.common_name ?? '' } };
      return ENVELOPES[path];
    },
    limits,
  );
  return { output, reads };
}

/** The TemplateError a template produces (parse or execute), or fails the test. */
export function templateError(source: string, limits?: Partial<TemplateLimits>): TemplateError {
  try {
    render(source, limits);
  } catch (error) {
    if (error instanceof TemplateError) return error;
    throw error;
  }
  throw new Error('expected a TemplateError');
}

/** `$d` is the KV v2 fixture's data map. */
export const KV = '{{- $d := (secret "k8s/data/myapp/prod").Data.data -}}';
