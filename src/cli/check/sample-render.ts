/**
 * Renders every object against sample data instead of Vault (check --sample-data), with the
 * provider's own plan and renderer, so templates, selections and formats fail here as they
 * would in a pod. Sample data is a JSON object: secret path (as written in the SPC or the
 * template; `/v1/` and leading slashes optional) → what Vault would answer in `data` (for KV v2
 * that is `{"data": {...}}`).
 */
import { readFile } from 'node:fs/promises';
import { isPlainObject } from '../../go-compat/go-json.js';
import type { SecretObjectSpec } from '../../mount/spec/mount-spec.js';
import { planRequests } from '../../mount/plan.js';
import { renderPlanned } from '../../mount/render/render-planned.js';
import { normaliseSecretPath } from '../../mount/parse/secret-path.js';
import type { VaultSecret } from '../../vault/vault-request.js';

export class SampleDataError extends Error {
  override readonly name = 'SampleDataError';
}

export type SampleData = ReadonlyMap<string, Record<string, unknown>>;

export async function readSampleData(file: string): Promise<SampleData> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(await readFile(file, 'utf8'));
  } catch (error) {
    const why =
      error instanceof SyntaxError ? 'not valid JSON' : ((error as NodeJS.ErrnoException).code ?? 'unreadable');
    throw new SampleDataError(`--sample-data "${file}": ${why}`);
  }
  if (!isPlainObject(parsed))
    throw new SampleDataError(`--sample-data "${file}": must be a JSON object of path → data`);
  const samples = new Map<string, Record<string, unknown>>();
  for (const [path, data] of Object.entries(parsed)) {
    if (!isPlainObject(data)) {
      throw new SampleDataError(`--sample-data "${file}": the entry for ${JSON.stringify(path)} must be a JSON object`);
    }
    samples.set(normaliseSecretPath(path, '--sample-data').path, data);
  }
  return samples;
}

export type SampleOutcome =
  { readonly ok: true; readonly contents: Buffer } | { readonly ok: false; readonly problem: string };

/** One outcome per object, in order; a missing sample is a problem for the objects needing it. */
export function renderSamples(objects: readonly SecretObjectSpec[], samples: SampleData): SampleOutcome[] {
  const plan = planRequests(objects);
  const secrets = new Map<string, VaultSecret>();
  for (const request of plan.requests) {
    const data = samples.get(request.path);
    if (data !== undefined) secrets.set(request.key, { data, lease_duration: 0, renewable: false, warnings: null });
  }
  return objects.map((object) => {
    const single = [object];
    const missing = planRequests(single).requests.filter((request) => !secrets.has(request.key));
    if (missing.length > 0) {
      return { ok: false, problem: `no sample data for ${missing.map((request) => request.path.slice(4)).join(', ')}` };
    }
    try {
      return { ok: true, contents: renderPlanned(object, plan, secrets) };
    } catch (error) {
      return { ok: false, problem: error instanceof Error ? error.message : String(error) };
    }
  });
}
