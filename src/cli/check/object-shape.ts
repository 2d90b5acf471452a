/**
 * What the check command says about one object: where it reads from and what the file will
 * contain, described by shape (never a value; the SPC is not secret, but Vault's data is).
 */
import type { SecretObjectSpec } from '../../mount/spec/mount-spec.js';
import { templateReads } from '../../mount/parse/template-source.js';

const PKI_SHAPES: Readonly<Record<string, string>> = {
  certificate: 'PEM: the issued certificate',
  'private-key': 'PEM: the private key',
  'issuing-ca': 'PEM: the issuing CA certificate',
  'ca-chain': 'PEM: the CA chain',
  fullchain: 'PEM: certificate then CA chain',
  bundle: 'PEM: certificate, CA chain, then private key',
};

function keyShape(object: SecretObjectSpec): string {
  if (object.keyFormat === 'pkcs8') return ' (PKCS#8 "PRIVATE KEY")';
  if (object.keyFormat === 'pkcs1') return ' (PKCS#1 "RSA PRIVATE KEY" / SEC1 "EC PRIVATE KEY")';
  return '';
}

function decoded(object: SecretObjectSpec, shape: string): string {
  return object.encoding === 'utf-8' ? shape : `${shape}, ${object.encoding}-decoded to raw bytes`;
}

/** "GET secret/data/app", or with a body "PUT pki/issue/web (secretArgs: common_name)". */
export function describeRead(method: string, path: string, argNames: readonly string[]): string {
  return argNames.length === 0 ? `${method} ${path}` : `${method} ${path} (secretArgs: ${argNames.join(', ')})`;
}

export function objectSource(object: SecretObjectSpec): string[] {
  if (object.template !== undefined) {
    return templateReads(object).map((read) =>
      describeRead(read.method, read.secretPath, Object.keys(read.body ?? {}).sort()),
    );
  }
  return [describeRead(object.method, object.secretPath, Object.keys(object.secretArgs ?? {}).sort())];
}

export function objectShape(object: SecretObjectSpec): string {
  if (object.template !== undefined) return decoded(object, 'text rendered by the template');
  if (object.pki !== undefined) return `${PKI_SHAPES[object.pki] ?? 'PEM'}${keyShape(object)}`;
  const selection =
    object.secretKey !== undefined
      ? `key ${JSON.stringify(object.secretKey)}`
      : object.jmesPath !== undefined
        ? `jmesPath ${JSON.stringify(object.jmesPath)}`
        : 'the whole secret data';
  if (object.format !== undefined) return decoded(object, `format ${object.format} of ${selection}`);
  if (object.secretKey === undefined && object.jmesPath === undefined) {
    return 'the whole Vault response as JSON (request_id and lease_id blank)';
  }
  return decoded(object, `${selection}: a string as is, other values as JSON`);
}
