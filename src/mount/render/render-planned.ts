/**
 * One object's bytes from the responses of its Mount's plan (pure; once per object per Mount).
 * Objects that use only the compatible fields go through compatible-object.ts unchanged (same bytes as
 * the Go provider); the additive fields are applied here in a fixed order:
 * selection (`secretKey` | `jmesPath` | whole data) → `format` | `pki` | `template` → `encoding`.
 */
import { SecretNotFoundError } from '../../errors.js';
import type { VaultSecret } from '../../vault/vault-request.js';
import { decodeEncoding } from './decode-encoding.js';
import { writeFormat } from './formats/index.js';
import { goJson, isPlainObject } from '../../go-compat/go-json.js';
import type { SecretObjectSpec } from '../spec/mount-spec.js';
import { renderPki } from './pki-bundle.js';
import { plannedRequest, type RequestPlan } from '../plan.js';
import { renderObject } from './compatible-object.js';
import { selectValue } from './selector.js';
import { renderTemplate } from './template-object.js';
import { checkSerializedLength } from './value-size.js';

/** The driver's default receive limit: no one file can be larger. */
const DEFAULT_FILE_LENGTH = 4 * 1024 * 1024;

/** True when the object uses any field beyond the Go provider's. */
export function usesFeatures(object: SecretObjectSpec): boolean {
  return (
    object.jmesPath !== undefined ||
    object.format !== undefined ||
    object.template !== undefined ||
    object.pki !== undefined
  );
}

function requireData(object: SecretObjectSpec, secret: VaultSecret, path: string): Record<string, unknown> {
  if (isPlainObject(secret.data)) return secret.data;
  throw new SecretNotFoundError(
    `object ${JSON.stringify(object.objectName)}: Vault returned no data for ${path}; check the path ` +
      '(KV v2 paths need "data/", e.g. secret/data/app) and that the secret exists',
  );
}

/** Selection, then format or pki, then encoding, for an object with one request. */
export function renderFeatures(
  object: SecretObjectSpec,
  secret: VaultSecret,
  maxLength: number = DEFAULT_FILE_LENGTH,
): Buffer {
  const data = requireData(object, secret, object.secretPath);
  const label = `object ${JSON.stringify(object.objectName)}`;
  if (object.pki !== undefined) return decodeEncoding(object, renderPki(object, data), 'the PEM output');
  const selected = selectValue(object, data);
  // A selection may hold one value many times over: refuse it before writing it out builds it.
  if (typeof selected !== 'string') checkSerializedLength(selected, maxLength, `${label}: the selected value`);
  const text =
    object.format !== undefined
      ? writeFormat(object.format, selected, label)
      : typeof selected === 'string'
        ? selected
        : goJson(selected);
  return decodeEncoding(object, Buffer.from(text, 'utf8'), 'the selected value');
}

export function renderPlanned(
  object: SecretObjectSpec,
  plan: RequestPlan,
  secrets: ReadonlyMap<string, VaultSecret>,
  maxLength: number = DEFAULT_FILE_LENGTH,
): Buffer {
  const label = `object ${JSON.stringify(object.objectName)}`;
  if (object.template !== undefined) {
    const output = renderTemplate(object, (read) => {
      const request = plannedRequest(read.method, read.secretPath, read.body, label);
      const secret = secrets.get(request.key);
      if (secret === undefined) throw new Error(`planned request missing for ${object.objectName}`);
      return secret;
    });
    return decodeEncoding(object, output, 'the template output');
  }
  const key = plan.requestKeyByObject.get(object.objectName);
  const secret = key === undefined ? undefined : secrets.get(key);
  if (secret === undefined) throw new Error(`planned request missing for ${object.objectName}`);
  return usesFeatures(object) ? renderFeatures(object, secret, maxLength) : renderObject(object, secret);
}
