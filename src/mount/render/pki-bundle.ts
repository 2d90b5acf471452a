/**
 * `pki`: one part of a PKI issuance (`pki/issue/<role>`, `pki/sign/...`) as a PEM file, so
 * a TLS server mounts certificate, key and chain straight from one request. Several objects
 * naming the same request share one issuance (the plan de-duplicates requests), so the key
 * always matches the certificate.
 *
 * Parts: `certificate`; `private-key` (converted by `keyFormat`: `pkcs8` → `PRIVATE KEY`,
 * `pkcs1` → `RSA PRIVATE KEY` for RSA or SEC1 `EC PRIVATE KEY` for EC; absent → as Vault sent
 * it); `issuing-ca`; `ca-chain` (Vault's `ca_chain`, else `issuing_ca`); `fullchain` (the
 * certificate then the chain, what `tls.createServer({ cert })` and nginx expect); `bundle`
 * (fullchain then the key: one file for servers that take both). Vault's `format: der`
 * answers (base64 DER) are turned into PEM too. Every file ends in a newline.
 */
import { createPrivateKey, type KeyObject } from 'node:crypto';
import { InvalidParameterError, SecretNotFoundError } from '../../errors.js';
import type { KeyFormat, SecretObjectSpec } from '../spec/mount-spec.js';
import { secretData } from './selector.js';

function wrapPem(label: string, der: Buffer): string {
  const lines = der.toString('base64').match(/.{1,64}/g) ?? [];
  return `-----BEGIN ${label}-----\n${lines.join('\n')}\n-----END ${label}-----\n`;
}

function withNewline(pem: string): string {
  const trimmed = pem.trim();
  return trimmed === '' ? '' : `${trimmed}\n`;
}

/** A certificate as PEM, whether Vault answered in PEM or base64 DER. */
function certificatePem(text: string): string {
  if (text.includes('-----BEGIN')) return withNewline(text);
  return wrapPem('CERTIFICATE', Buffer.from(text, 'base64'));
}

function loadKey(text: string): KeyObject {
  if (text.includes('-----BEGIN')) return createPrivateKey(text);
  const der = Buffer.from(text, 'base64');
  for (const type of ['pkcs8', 'pkcs1', 'sec1'] as const) {
    try {
      return createPrivateKey({ key: der, format: 'der', type });
    } catch {
      // Try the next container: Vault's `der` answers carry no label saying which it is.
    }
  }
  throw new Error('not a private key');
}

function keyPem(text: string, format: KeyFormat | undefined, where: string): string {
  if (format === undefined && text.includes('-----BEGIN')) return withNewline(text);
  let key: KeyObject;
  try {
    key = loadKey(text);
  } catch {
    // Never quote the key material in the message.
    throw new InvalidParameterError(`${where}: Vault's private_key is not a PEM or DER private key`);
  }
  const wanted = format ?? 'pkcs8';
  if (wanted === 'pkcs8') return withNewline(key.export({ type: 'pkcs8', format: 'pem' }).toString());
  if (key.asymmetricKeyType === 'rsa') return withNewline(key.export({ type: 'pkcs1', format: 'pem' }).toString());
  if (key.asymmetricKeyType === 'ec') return withNewline(key.export({ type: 'sec1', format: 'pem' }).toString());
  throw new InvalidParameterError(
    `${where}: keyFormat pkcs1 needs an RSA or EC key, but Vault issued a ${key.asymmetricKeyType ?? 'different'} key; use keyFormat pkcs8`,
  );
}

function field(data: Record<string, unknown>, name: string, object: SecretObjectSpec, where: string): string {
  const value = data[name];
  if (typeof value === 'string' && value.trim() !== '') return value;
  throw new SecretNotFoundError(
    `${where}: pki ${object.pki ?? ''} needs "${name}" in Vault's answer from ${object.secretPath}, which has none; ` +
      `pki applies to pki/issue/<role> (method PUT with secretArgs) and similar endpoints`,
  );
}

/** Vault's `ca_chain` (a list of PEMs), falling back to `issuing_ca` on old Vaults. */
function chainPems(data: Record<string, unknown>, object: SecretObjectSpec, where: string, leaf: string): string[] {
  const chain = Array.isArray(data.ca_chain)
    ? data.ca_chain.filter((entry): entry is string => typeof entry === 'string' && entry.trim() !== '')
    : [];
  const pems = (chain.length > 0 ? chain : [field(data, 'issuing_ca', object, where)]).map(certificatePem);
  // Some endpoints repeat the leaf in the chain; a server would then send it twice.
  return pems.filter((pem) => pem !== leaf);
}

export function renderPki(object: SecretObjectSpec, response: Record<string, unknown>): Buffer {
  const where = `object ${JSON.stringify(object.objectName)}`;
  const data = secretData(response);
  const part = object.pki;
  const certificate = () => certificatePem(field(data, 'certificate', object, where));
  const key = () => keyPem(field(data, 'private_key', object, where), object.keyFormat, where);
  const chain = () => chainPems(data, object, where, certificate()).join('');
  const text = (): string => {
    switch (part) {
      case 'certificate':
        return certificate();
      case 'private-key':
        return key();
      case 'issuing-ca':
        return certificatePem(field(data, 'issuing_ca', object, where));
      case 'ca-chain':
        return chain();
      case 'fullchain':
        return certificate() + chain();
      case 'bundle':
        return certificate() + chain() + key();
      default:
        throw new Error('renderPki called without pki');
    }
  };
  return Buffer.from(text(), 'utf8');
}
