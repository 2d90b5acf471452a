/**
 * One entry of the `objects` parameter: its fields checked and normalised into a
 * `SecretObjectSpec` (objects.ts has the rules shared with the Go provider and the stricter ones).
 * Every problem of the entry is recorded, in the order a Mount reports them.
 */
import type { Document } from 'yaml';
import * as z from 'zod';
import { InvalidParameterError } from '../../errors.js';
import { isPlainObject } from '../../go-compat/go-json.js';
import { formatMode, isFileMode, parseModeLiteral } from './file-mode.js';
import type { Encoding, SecretObjectSpec } from '../spec/mount-spec.js';
import { validateObjectPath } from './object-path.js';
import { FEATURE_FIELDS, parseObjectFeatures } from './object-features.js';
import { normaliseSecretPath } from './secret-path.js';
import { goArgumentValue, GoTimestamp } from './go-yaml-scalars.js';
import { scalarSource } from './objects-yaml.js';
import { shownText } from './shown-text.js';
import { didYouMean } from './suggest.js';
import type { ParseProblems, ProblemLocation } from './parse-problems.js';
import { parseRefreshInterval } from './refresh-interval.js';

export const OBJECT_FIELDS = [
  'objectName',
  'secretPath',
  'secretKey',
  'method',
  'secretArgs',
  'filePermission',
  'encoding',
  // Additive (object-features.ts); absent in every SPC written for the Go provider.
  ...FEATURE_FIELDS,
  // Additive (docs/leases.md): when a dynamic credential is renewed or re-issued.
  'renewalPercent',
  // Additive (docs/refresh-interval.md): how long a non-leased answer is served from the pod's cache.
  'refreshInterval',
] as const;

export const HTTP_METHODS = ['GET', 'PUT', 'POST', 'LIST'] as const;

/** Real HTTP methods Vault accepts whose answer cannot become a file, and why. */
const UNMOUNTABLE_METHODS: Readonly<Record<string, string>> = {
  HEAD: 'a HEAD answer has no body, so there is nothing to mount (Vault even refuses it with 403)',
  PATCH: 'Vault applies PATCH only with a JSON merge-patch body (it answers 415 to a mount) and returns no secret',
  DELETE: 'DELETE deletes the secret and returns no data',
};

export const ENCODINGS: readonly Encoding[] = ['utf-8', 'base64', 'hex'];

/** Validates types only; values are read from the original object (zod copies would let a
 * `__proto__` key become a prototype). */
const scalarField = z
  .union([z.string(), z.number(), z.bigint(), z.boolean(), z.instanceof(GoTimestamp), z.null()], {
    error: 'must be a string',
  })
  .optional();
const EntrySchema = z.strictObject({
  objectName: scalarField,
  secretPath: scalarField,
  secretKey: scalarField,
  method: scalarField,
  encoding: scalarField,
  jmesPath: scalarField,
  format: scalarField,
  template: scalarField,
  pki: scalarField,
  keyFormat: scalarField,
  secretArgs: z
    .record(z.string(), z.unknown(), { error: 'must be a mapping of request parameters (sent as the JSON body)' })
    .nullable()
    .optional(),
  filePermission: z
    .union([z.number(), z.string(), z.null()], { error: 'must be an octal file mode such as 0600' })
    .optional(),
  renewalPercent: z.union([z.number(), z.null()], { error: 'must be a number from 1 to 99' }).optional(),
  refreshInterval: z
    .union([z.string(), z.number(), z.null()], { error: 'must be a duration such as "10m"' })
    .optional(),
});

export function describeType(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (isPlainObject(value)) return 'a mapping';
  return `a ${typeof value}`;
}

function hasNonFiniteNumber(value: unknown): boolean {
  if (typeof value === 'number') return !Number.isFinite(value);
  if (Array.isArray(value)) return value.some(hasNonFiniteNumber);
  if (isPlainObject(value)) return Object.values(value).some(hasNonFiniteNumber);
  return false;
}

function labelFor(index: number, name: string): string {
  if (name === '') return `objects[${index}]`;
  return `object ${shownText(name)} (objects[${index}])`;
}

function parseFilePermission(value: unknown, source: string | undefined, label: string): number {
  if (value === undefined || value === null) return 0;
  const written =
    typeof value === 'string'
      ? value.trim()
      : typeof value === 'number'
        ? (source ?? String(value))
        : describeType(value);
  const mode = typeof value === 'number' ? value : parseModeLiteral(written);
  if (mode !== undefined && isFileMode(mode)) return mode;
  const octalHint = /^0[0-9]*[89]/.test(written) ? ' (8 and 9 are not octal digits)' : '';
  throw new InvalidParameterError(
    `${label}: field "filePermission" ${shownText(written)} is not a file mode${octalHint}; write an octal ` +
      `mode from 0000 to ${formatMode(0o777)}, e.g. 0600 or 0o644 (a leading 0 means octal, as in the Go provider)`,
  );
}

export interface ParsedEntry {
  /** The objectName as written ('' when absent or unusable), for the duplicate check. */
  readonly objectName: string;
  /** Undefined when the entry has a problem. */
  readonly spec?: SecretObjectSpec;
}

export function readEntry(doc: Document, index: number, entry: unknown, problems: ParseProblems): ParsedEntry {
  const at = (field?: string): ProblemLocation => ({
    parameter: 'objects',
    objectIndex: index,
    ...(field === undefined ? {} : { field }),
  });
  const before = problems.size;
  if (!isPlainObject(entry)) {
    problems.add(
      at(),
      `objects[${index}]: must be a mapping with at least objectName and secretPath (got ${describeType(entry)})`,
    );
    return { objectName: '' };
  }
  const text = (field: (typeof OBJECT_FIELDS)[number]): string => {
    const value = Object.hasOwn(entry, field) ? entry[field] : undefined;
    if (value === undefined || value === null) return '';
    if (typeof value === 'string') return value;
    if (typeof value === 'number' || typeof value === 'bigint' || typeof value === 'boolean')
      return scalarSource(doc, index, field) ?? String(value);
    if (value instanceof GoTimestamp) return value.source;
    return '';
  };
  const objectName = text('objectName');
  const label = labelFor(index, objectName);

  const known: readonly string[] = OBJECT_FIELDS;
  for (const field of Object.keys(entry)) {
    if (!known.includes(field)) {
      problems.add(
        at(field),
        `${label}: unknown field ${shownText(field)}${didYouMean(field, OBJECT_FIELDS)} ` +
          `(known fields: ${OBJECT_FIELDS.join(', ')})`,
      );
    }
  }
  // Types of the known fields (an unknown one is named above); a copy only for validation.
  const checked = EntrySchema.safeParse(
    Object.fromEntries(Object.entries(entry).filter(([field]) => known.includes(field))),
  );
  if (!checked.success) {
    const reported = new Set<string>();
    for (const issue of checked.error.issues) {
      const field = String(issue.path[0] ?? '?');
      if (reported.has(field)) continue;
      reported.add(field);
      problems.add(at(field), `${label}: field "${field}" ${issue.message}`);
    }
    // A field of the wrong type would only cause follow-on complaints below.
    return { objectName: reported.has('objectName') ? '' : objectName };
  }

  const beforeName = problems.size;
  if (objectName === '')
    problems.add(at('objectName'), `${label}: field "objectName" is required; it names the file in the mount`);
  else problems.attempt(at('objectName'), () => validateObjectPath(objectName, label));
  const usableName = problems.size === beforeName;

  const written = (field: string): boolean =>
    Object.hasOwn(entry, field) && entry[field] !== null && entry[field] !== undefined;
  const features = parseObjectFeatures(text, written, label, problems, at());
  const secretPath = text('secretPath');
  if (secretPath === '' && text('template') === '') {
    problems.add(
      at('secretPath'),
      `${label}: field "secretPath" is required; write the Vault path to read, e.g. secret/data/app`,
    );
  }
  if (secretPath !== '') problems.attempt(at('secretPath'), () => normaliseSecretPath(secretPath, label));

  const rawMethod = text('method');
  const method = rawMethod === '' ? 'GET' : rawMethod.toUpperCase();
  const unmountable = UNMOUNTABLE_METHODS[method];
  if (unmountable !== undefined) {
    problems.add(
      at('method'),
      `${label}: field "method" ${shownText(rawMethod)} cannot be used: ${unmountable}; use GET to read, PUT or POST for endpoints that issue (pki/issue/<role>), LIST to list`,
    );
  } else if (!(HTTP_METHODS as readonly string[]).includes(method)) {
    problems.add(
      at('method'),
      `${label}: field "method" ${shownText(rawMethod)} is not supported; use one of ${HTTP_METHODS.join(', ')}`,
    );
  }

  const rawEncoding = text('encoding');
  const encoding = ENCODINGS.find(
    (candidate) => candidate === (rawEncoding === '' ? 'utf-8' : rawEncoding.toLowerCase()),
  );
  if (encoding === undefined) {
    problems.add(
      at('encoding'),
      `${label}: field "encoding" ${shownText(rawEncoding)} is not supported${didYouMean(rawEncoding, ENCODINGS)}; ` +
        `use utf-8, base64 or hex (the encoding the value is stored in)`,
    );
  }

  const argsValue = Object.hasOwn(entry, 'secretArgs') ? entry.secretArgs : undefined;
  // Go's values (timestamps as RFC 3339): they are sent to Vault and hashed into versions.
  const secretArgs = isPlainObject(argsValue) ? (goArgumentValue(argsValue) as Record<string, unknown>) : undefined;
  if (secretArgs !== undefined && hasNonFiniteNumber(secretArgs)) {
    problems.add(at('secretArgs'), `${label}: field "secretArgs" contains .inf or .nan, which JSON cannot carry`);
  }

  const permissionValue = Object.hasOwn(entry, 'filePermission') ? entry.filePermission : undefined;
  const filePermission = problems.attempt(at('filePermission'), () =>
    parseFilePermission(permissionValue, scalarSource(doc, index, 'filePermission'), label),
  );
  const secretKey = text('secretKey');
  const renewalPercent = Object.hasOwn(entry, 'renewalPercent') ? entry.renewalPercent : undefined;
  if (typeof renewalPercent === 'number' && !(renewalPercent >= 1 && renewalPercent <= 99)) {
    problems.add(
      at('renewalPercent'),
      `${label}: field "renewalPercent" ${renewalPercent} is out of range; write a percentage of the credential's lifetime from 1 to 99 (docs/leases.md)`,
    );
  }

  const refreshValue = Object.hasOwn(entry, 'refreshInterval') ? entry.refreshInterval : undefined;
  const refreshIntervalMs =
    typeof refreshValue === 'string' || typeof refreshValue === 'number'
      ? problems.attempt(at('refreshInterval'), () =>
          parseRefreshInterval(refreshValue, `${label}: field "refreshInterval"`),
        )
      : undefined;

  const name = usableName ? objectName : '';
  if (problems.size > before || encoding === undefined || filePermission === undefined) return { objectName: name };
  const spec: SecretObjectSpec = Object.freeze({
    objectName,
    secretPath,
    ...(secretKey === '' ? {} : { secretKey }),
    method,
    ...(secretArgs === undefined ? {} : { secretArgs }),
    // 0 means "use the request's permission", as in the Go provider: never a mode-0 file.
    ...(filePermission === 0 ? {} : { filePermission }),
    encoding,
    ...features,
    ...(typeof renewalPercent === 'number' ? { renewalPercent } : {}),
    ...(refreshIntervalMs === undefined ? {} : { refreshIntervalMs }),
    asWritten: Object.freeze({
      objectName,
      secretPath,
      secretKey,
      method: rawMethod,
      secretArgs: secretArgs ?? null,
      filePermission,
      encoding: rawEncoding,
    }),
  });
  return { objectName: name, spec };
}
