/**
 * `spec.secretObjects`: the Kubernetes Secrets the CSI driver syncs from the mounted files
 * (docs/secret-sync.md). The provider never sees this part of the SPC; the driver reads it after
 * a successful mount and fails the sync (event `FailedToCreateSecret`, the pod keeps running on
 * its files) when it is wrong, so `check` holds it to the driver's rules and the API server's:
 * - the driver: secretName, type and data set; each data entry names an objectName that is a
 *   mounted file and a key; for `kubernetes.io/tls` only the keys tls.crt and tls.key, cut out
 *   of PEM files; a type it does not know becomes Opaque;
 * - the API server: secretName a DNS subdomain, keys of `[-._a-zA-Z0-9]`, and the keys each
 *   typed Secret requires (tls.crt and tls.key; .dockerconfigjson; username or password; …).
 */
import type { SecretObjectSpec } from '../../mount/spec/mount-spec.js';
import { suggest } from '../../mount/parse/suggest.js';
import type { Finding, FindingLocation } from './check-report.js';
import type { SpcCandidate } from './spc-documents.js';

/** The types the driver maps to a Secret type of their own (any other becomes Opaque). */
export const DRIVER_SECRET_TYPES = [
  'Opaque',
  'kubernetes.io/basic-auth',
  'bootstrap.kubernetes.io/token',
  'kubernetes.io/dockerconfigjson',
  'kubernetes.io/dockercfg',
  'kubernetes.io/ssh-auth',
  'kubernetes.io/service-account-token',
  'kubernetes.io/tls',
] as const;

/** Data keys the API server requires per type: every group must have one key present. */
const REQUIRED_KEYS: Readonly<Record<string, readonly (readonly string[])[]>> = {
  'kubernetes.io/tls': [['tls.crt'], ['tls.key']],
  'kubernetes.io/dockerconfigjson': [['.dockerconfigjson']],
  'kubernetes.io/dockercfg': [['.dockercfg']],
  'kubernetes.io/basic-auth': [['username', 'password']],
  'kubernetes.io/ssh-auth': [['ssh-privatekey']],
};

const SECRET_OBJECT_FIELDS = ['secretName', 'type', 'labels', 'annotations', 'data'];
const DATA_FIELDS = ['objectName', 'key'];
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const DATA_KEY = /^[-._a-zA-Z0-9]+$/;
const PKI_WITHOUT_CERTIFICATE = new Set(['private-key']);
const PKI_WITHOUT_KEY = new Set(['certificate', 'issuing-ca', 'ca-chain', 'fullchain']);

export interface MountedObjects {
  /** Every objectName as written in `objects`, also of entries with problems of their own. */
  readonly names: readonly string[];
  /** The entries without problems, for what their files will contain. */
  readonly specs: readonly SecretObjectSpec[];
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function dataKeyProblem(key: string): string | undefined {
  if (key.length > 253) return 'is longer than 253 characters';
  if (!DATA_KEY.test(key)) return 'may only contain letters, digits, "-", "_" and "."';
  if (key === '.' || key === '..' || key.startsWith('..')) return 'must not be "." or start with ".."';
  return undefined;
}

export function lintSecretObjects(
  candidate: SpcCandidate,
  location: FindingLocation,
  value: unknown,
  mounted: MountedObjects,
): Finding[] {
  const findings: Finding[] = [];
  const at = (path: (string | number)[], field?: string): FindingLocation => {
    const text = path.map((part) => (typeof part === 'number' ? `[${part}]` : `.${part}`)).join('');
    const line = candidate.lineOf(['spec', ...path]);
    return {
      ...location,
      path: `${candidate.pathPrefix}spec${text}`,
      ...(field === undefined ? {} : { field }),
      ...(line === undefined ? {} : { line }),
    };
  };
  const report = (where: FindingLocation, message: string, severity: 'error' | 'warning' = 'error', fix?: string) =>
    findings.push({
      severity,
      rule: 'secret-objects',
      message,
      ...(fix === undefined ? {} : { fix }),
      location: where,
    });
  if (value === undefined || value === null) return findings;
  if (!Array.isArray(value)) {
    report(at(['secretObjects']), 'secretObjects must be a list of Secrets to sync (secretName, type, data)');
    return findings;
  }
  const seenNames = new Map<string, number>();
  value.forEach((entry: unknown, index) => {
    const base = ['secretObjects', index];
    const label = `secretObjects[${index}]`;
    if (!isRecord(entry)) {
      report(at(base), `${label} must be a mapping with secretName, type and data`);
      return;
    }
    for (const field of Object.keys(entry)) {
      if (SECRET_OBJECT_FIELDS.includes(field)) continue;
      const guess = suggest(field, SECRET_OBJECT_FIELDS);
      report(
        at([...base, field], field),
        `${label}: unknown field "${field}"${guess === undefined ? '' : `; did you mean "${guess}"?`} (the CRD knows ${SECRET_OBJECT_FIELDS.join(', ')}; kubectl refuses the SPC)`,
        'error',
        guess === undefined ? undefined : `rename "${field}" to "${guess}"`,
      );
    }
    const secretName = typeof entry.secretName === 'string' ? entry.secretName : '';
    if (secretName === '') {
      report(
        at([...base, 'secretName'], 'secretName'),
        `${label}.secretName is required: the name of the Secret to create`,
      );
    } else if (secretName.length > 253 || !DNS_SUBDOMAIN.test(secretName)) {
      report(
        at([...base, 'secretName'], 'secretName'),
        `${label}.secretName "${secretName}" is not a valid Secret name: lower-case letters, digits, "-" and ".", starting and ending with a letter or digit, at most 253 characters`,
      );
    } else if (seenNames.has(secretName)) {
      report(
        at([...base, 'secretName'], 'secretName'),
        `${label}.secretName "${secretName}" is also the name of secretObjects[${String(seenNames.get(secretName))}]: the driver would write one Secret twice, each time with other data`,
      );
    } else {
      seenNames.set(secretName, index);
    }
    const type = typeof entry.type === 'string' ? entry.type : '';
    if (type === '') {
      report(
        at([...base, 'type'], 'type'),
        `${label}.type is required (the driver refuses an empty type); use Opaque for plain key/value data`,
        'error',
        'type: Opaque',
      );
    } else if (!(DRIVER_SECRET_TYPES as readonly string[]).includes(type) && type.toLowerCase() !== 'opaque') {
      const guess =
        DRIVER_SECRET_TYPES.find((known) => known.endsWith(`/${type}`)) ?? suggest(type, DRIVER_SECRET_TYPES);
      report(
        at([...base, 'type'], 'type'),
        `${label}.type "${type}" is not a type the driver knows, so it creates an Opaque Secret${guess === undefined ? '' : `; did you mean "${guess}"?`} (known: ${DRIVER_SECRET_TYPES.join(', ')})`,
        'warning',
        guess === undefined ? undefined : `type: ${guess}`,
      );
    }
    for (const field of ['labels', 'annotations'] as const) {
      const map = entry[field];
      if (
        map !== undefined &&
        map !== null &&
        (!isRecord(map) || !Object.values(map).every((v) => typeof v === 'string'))
      ) {
        report(
          at([...base, field], field),
          `${label}.${field} must be a mapping of strings (quote numbers and booleans)`,
        );
      }
    }
    const data = entry.data;
    if (!Array.isArray(data) || data.length === 0) {
      report(
        at([...base, 'data'], 'data'),
        `${label}.data must list at least one {objectName, key} (the driver refuses a Secret without data)`,
      );
      return;
    }
    const keys = new Map<string, number>();
    data.forEach((item: unknown, dataIndex) => {
      const itemBase = [...base, 'data', dataIndex];
      const itemLabel = `${label}.data[${dataIndex}]`;
      if (!isRecord(item)) {
        report(at(itemBase), `${itemLabel} must be a mapping with objectName and key`);
        return;
      }
      for (const field of Object.keys(item)) {
        if (DATA_FIELDS.includes(field)) continue;
        const guess = suggest(field, DATA_FIELDS);
        report(
          at([...itemBase, field], field),
          `${itemLabel}: unknown field "${field}"${guess === undefined ? '' : `; did you mean "${guess}"?`} (known: objectName, key)`,
          'error',
          guess === undefined ? undefined : `rename "${field}" to "${guess}"`,
        );
      }
      const objectName = typeof item.objectName === 'string' ? item.objectName : '';
      const key = typeof item.key === 'string' ? item.key : '';
      if (objectName === '') {
        report(
          at([...itemBase, 'objectName'], 'objectName'),
          `${itemLabel}.objectName is required: the mounted file to copy`,
        );
      } else if (!mounted.names.includes(objectName)) {
        const guess = suggest(objectName, mounted.names);
        report(
          at([...itemBase, 'objectName'], 'objectName'),
          `${itemLabel}.objectName "${objectName}" is not an objectName in "objects", so the driver cannot sync Secret "${secretName}" (file not found in the pod)${guess === undefined ? '' : `; did you mean "${guess}"?`}`,
          'error',
          guess === undefined ? undefined : `objectName: ${guess}`,
        );
      }
      if (key === '') {
        report(at([...itemBase, 'key'], 'key'), `${itemLabel}.key is required: the data key in the Secret`);
        return;
      }
      const keyProblem = dataKeyProblem(key);
      if (keyProblem !== undefined) report(at([...itemBase, 'key'], 'key'), `${itemLabel}.key "${key}" ${keyProblem}`);
      if (keys.has(key)) {
        report(
          at([...itemBase, 'key'], 'key'),
          `${itemLabel}.key "${key}" is also data[${String(keys.get(key))}]'s key: only the last one reaches the Secret`,
          'warning',
        );
      }
      keys.set(key, dataIndex);
      if (type === 'kubernetes.io/tls') {
        const problem = tlsKeyProblem(
          key,
          mounted.specs.find((spec) => spec.objectName === objectName),
        );
        if (problem !== undefined) report(at([...itemBase, 'key'], 'key'), `${itemLabel}: ${problem}`);
      }
    });
    for (const group of REQUIRED_KEYS[type] ?? []) {
      if (group.some((key) => keys.has(key))) continue;
      report(
        at([...base, 'data'], 'data'),
        `${label}: a ${type} Secret needs the key ${group.map((key) => `"${key}"`).join(' or ')}; the API server refuses it without`,
      );
    }
  });
  return findings;
}

function tlsKeyProblem(key: string, object: SecretObjectSpec | undefined): string | undefined {
  if (key !== 'tls.crt' && key !== 'tls.key') {
    return `key "${key}" cannot be used in a kubernetes.io/tls Secret: the driver only cuts "tls.crt" and "tls.key" out of PEM files`;
  }
  if (object === undefined) return undefined;
  if (object.format !== undefined) {
    return `object "${object.objectName}" is written as format ${object.format}, not PEM, so the driver finds no ${key === 'tls.crt' ? 'certificate' : 'private key'} in it`;
  }
  if (key === 'tls.crt' && object.pki !== undefined && PKI_WITHOUT_CERTIFICATE.has(object.pki)) {
    return `object "${object.objectName}" (pki: ${object.pki}) holds no certificate for "tls.crt"; use pki: certificate, fullchain or bundle`;
  }
  if (key === 'tls.key' && object.pki !== undefined && PKI_WITHOUT_KEY.has(object.pki)) {
    return `object "${object.objectName}" (pki: ${object.pki}) holds no private key for "tls.key"; use pki: private-key or bundle`;
  }
  return undefined;
}
