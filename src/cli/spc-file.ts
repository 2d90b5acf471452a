/**
 * Reads a SecretProviderClass manifest for the `mount` command: the same YAML an operator applies
 * with kubectl (several documents allowed; the first SecretProviderClass, or the one named
 * `--spc-name`, is used). Only what the driver reads matters: name, spec.provider, spec.parameters.
 */
import { readFile } from 'node:fs/promises';
import { parseAllDocuments } from 'yaml';
import * as z from 'zod';
import type { SecretProviderClassFixture } from './driver/mount-request.js';

export class SpcFileError extends Error {
  override readonly name = 'SpcFileError';
}

const SpcSchema = z.looseObject({
  apiVersion: z.string().startsWith('secrets-store.csi.x-k8s.io/', 'must be secrets-store.csi.x-k8s.io/v1'),
  kind: z.literal('SecretProviderClass'),
  metadata: z.looseObject({ name: z.string().min(1) }),
  spec: z.looseObject({
    provider: z.string(),
    // The API server stores parameters as map[string]string: YAML numbers and booleans must be quoted.
    parameters: z.record(z.string(), z.string()).nullish(),
  }),
});

export async function readSecretProviderClass(path: string, name?: string): Promise<SecretProviderClassFixture> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new SpcFileError(`cannot read --spc "${path}" (${(error as NodeJS.ErrnoException).code ?? 'unreadable'})`);
  }
  const documents = parseAllDocuments(text);
  if (!Array.isArray(documents)) throw new SpcFileError(`--spc "${path}": empty file`);
  const candidates: unknown[] = [];
  for (const document of documents) {
    if (document.errors.length > 0) {
      throw new SpcFileError(`--spc "${path}": not valid YAML (${document.errors[0]?.message ?? 'parse error'})`);
    }
    const value: unknown = document.toJS();
    if (typeof value === 'object' && value !== null && (value as { kind?: unknown }).kind === 'SecretProviderClass') {
      candidates.push(value);
    }
  }
  const chosen =
    name === undefined
      ? candidates[0]
      : candidates.find((value) => (value as { metadata?: { name?: unknown } }).metadata?.name === name);
  if (chosen === undefined) {
    throw new SpcFileError(
      `--spc "${path}": no SecretProviderClass${name === undefined ? '' : ` named "${name}"`} in the file`,
    );
  }
  const parsed = SpcSchema.safeParse(chosen);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new SpcFileError(`--spc "${path}": ${issue?.path.join('.') ?? 'the object'}: ${issue?.message ?? 'invalid'}`);
  }
  const { metadata, spec } = parsed.data;
  return { name: metadata.name, provider: spec.provider, parameters: spec.parameters ?? {} };
}
