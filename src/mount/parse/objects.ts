/**
 * The `objects` parameter: a YAML list of secrets to mount, parsed once per Mount.
 *
 * Compatible with the Go provider (which decodes it with yaml.v3 into a struct):
 * - same fields and meanings; `filePermission: 0600` is octal (yaml.v3 reads leading-zero
 *   integers as octal, and we install the same rule into the YAML 1.2 core schema, so
 *   `secretArgs` numbers like `0600` also reach Vault as Go would send them);
 * - string fields written as other scalars (`secretKey: 1`, `objectName: 2024`) keep the text
 *   as written, as yaml.v3 does when decoding a scalar into a string;
 * - duplicate keys are rejected (yaml.v3 does too); merge keys (`<<`) and anchors work;
 * - `filePermission: 0` (or absent) means "the request's permission", never a mode-0 file.
 * Deliberately stricter, because a silent mistake here means a wrong file in a pod:
 * - an unknown field is an error naming the closest known field (yaml.v3 silently ignored
 *   `secretkey:` and wrote the whole response instead of one key);
 * - `method` must be one the provider can mount the answer of: GET, PUT, POST or LIST (Vault's
 *   listing verb). HEAD (no body), PATCH (Vault wants a merge-patch body, answers 415) and DELETE
 *   (deletes, answers 204 without data) are refused with the reason, instead of being sent and
 *   failing with a misleading message;
 * - `encoding` is checked even without `secretKey` (Go only checked it when it applied);
 * - the pre-0.1.0 `array:` form, alias bombs (over 100 alias expansions) and any YAML error or
 *   warning are rejected. Additive: `filePermission: "0600"` (quoted) is accepted and read with
 *   the same rules as an unquoted one (yaml.v3 failed on it).
 */
import type { Document } from 'yaml';
import { z } from 'zod';
import { InvalidParameterError } from '../../errors.js';
import { isPlainObject } from '../../go-compat/go-json.js';
import { formatMode, isFileMode, parseModeLiteral } from './file-mode.js';
import type { Encoding, RawObjectFields, SecretObjectSpec } from '../spec/mount-spec.js';
import { assertDistinctObjectPaths, validateObjectPath } from './object-path.js';
import { FEATURE_FIELDS, parseObjectFeatures } from './object-features.js';
import { normaliseSecretPath } from './secret-path.js';
import { goArgumentValue, GoTimestamp } from './go-yaml-scalars.js';
import { parseObjectsYaml, scalarSource } from './objects-yaml.js';
import { shownText } from './shown-text.js';
import { didYouMean } from './suggest.js';

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
] as const;

export const HTTP_METHODS = ['GET', 'PUT', 'POST', 'LIST'] as const;

/** Real HTTP methods Vault accepts whose answer cannot become a file, and why. */
const UNMOUNTABLE_METHODS: Readonly<Record<string, string>> = {
  HEAD: 'a HEAD answer has no body, so there is nothing to mount (Vault even refuses it with 403)',
  PATCH: 'Vault applies PATCH only with a JSON merge-patch body (it answers 415 to a mount) and returns no secret',
  DELETE: 'DELETE deletes the secret and returns no data',
};

export const ENCODINGS: readonly Encoding[] = ['utf-8', 'base64', 'hex'];

export interface ParsedObjects {
  /** Normalised, frozen specs in SPC order, each with its fields as written (`asWritten`). */
  readonly objects: readonly SecretObjectSpec[];
}

/**
 * The fields of a spec as written (`asWritten`, set by `parseObjects` and kept by any copy). For
 * a spec built elsewhere they are derived from the normalised values, which matches Go only when
 * the user wrote `method` and `encoding` out in their normalised spelling.
 */
export function rawObjectFields(object: SecretObjectSpec): RawObjectFields {
  return (
    object.asWritten ?? {
      objectName: object.objectName,
      secretPath: object.secretPath,
      secretKey: object.secretKey ?? '',
      method: object.method,
      secretArgs: object.secretArgs ?? null,
      filePermission: object.filePermission ?? 0,
      encoding: object.encoding,
    }
  );
}

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
});

const NO_SECRETS =
  'parameter "objects": no secrets configured - the provider will not read any secret material; add an objects list with objectName and secretPath';

function objectsError(why: string): InvalidParameterError {
  return new InvalidParameterError(`parameter "objects": ${why}`);
}

function describeType(value: unknown): string {
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

function parseEntry(doc: Document, index: number, entry: unknown): SecretObjectSpec {
  if (!isPlainObject(entry)) {
    throw new InvalidParameterError(
      `objects[${index}]: must be a mapping with at least objectName and secretPath (got ${describeType(entry)})`,
    );
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
      throw new InvalidParameterError(
        `${label}: unknown field ${shownText(field)}${didYouMean(field, OBJECT_FIELDS)} ` +
          `(known fields: ${OBJECT_FIELDS.join(', ')})`,
      );
    }
  }
  const checked = EntrySchema.safeParse(entry);
  if (!checked.success) {
    const issue = checked.error.issues[0];
    throw new InvalidParameterError(
      `${label}: field "${String(issue?.path[0] ?? '?')}" ${issue?.message ?? 'is invalid'}`,
    );
  }

  if (objectName === '')
    throw new InvalidParameterError(`${label}: field "objectName" is required; it names the file in the mount`);
  validateObjectPath(objectName, label);

  const written = (field: string): boolean =>
    Object.hasOwn(entry, field) && entry[field] !== null && entry[field] !== undefined;
  const features = parseObjectFeatures(text, written, label);
  const secretPath = text('secretPath');
  if (secretPath === '' && features.template === undefined) {
    throw new InvalidParameterError(
      `${label}: field "secretPath" is required; write the Vault path to read, e.g. secret/data/app`,
    );
  }
  if (secretPath !== '') normaliseSecretPath(secretPath, label);

  const rawMethod = text('method');
  const method = rawMethod === '' ? 'GET' : rawMethod.toUpperCase();
  const unmountable = UNMOUNTABLE_METHODS[method];
  if (unmountable !== undefined) {
    throw new InvalidParameterError(
      `${label}: field "method" ${shownText(rawMethod)} cannot be used: ${unmountable}; use GET to read, PUT or POST for endpoints that issue (pki/issue/<role>), LIST to list`,
    );
  }
  if (!(HTTP_METHODS as readonly string[]).includes(method)) {
    throw new InvalidParameterError(
      `${label}: field "method" ${shownText(rawMethod)} is not supported; use one of ${HTTP_METHODS.join(', ')}`,
    );
  }

  const rawEncoding = text('encoding');
  const encoding = ENCODINGS.find(
    (candidate) => candidate === (rawEncoding === '' ? 'utf-8' : rawEncoding.toLowerCase()),
  );
  if (encoding === undefined) {
    throw new InvalidParameterError(
      `${label}: field "encoding" ${shownText(rawEncoding)} is not supported${didYouMean(rawEncoding, ENCODINGS)}; ` +
        `use utf-8, base64 or hex (the encoding the value is stored in)`,
    );
  }

  const argsValue = Object.hasOwn(entry, 'secretArgs') ? entry.secretArgs : undefined;
  // Go's values (timestamps as RFC 3339): they are sent to Vault and hashed into versions.
  const secretArgs = isPlainObject(argsValue) ? (goArgumentValue(argsValue) as Record<string, unknown>) : undefined;
  if (secretArgs !== undefined && hasNonFiniteNumber(secretArgs)) {
    throw new InvalidParameterError(`${label}: field "secretArgs" contains .inf or .nan, which JSON cannot carry`);
  }

  const permissionValue = Object.hasOwn(entry, 'filePermission') ? entry.filePermission : undefined;
  const filePermission = parseFilePermission(permissionValue, scalarSource(doc, index, 'filePermission'), label);
  const secretKey = text('secretKey');
  const renewalPercent = Object.hasOwn(entry, 'renewalPercent') ? entry.renewalPercent : undefined;
  if (typeof renewalPercent === 'number' && !(renewalPercent >= 1 && renewalPercent <= 99)) {
    throw new InvalidParameterError(
      `${label}: field "renewalPercent" ${renewalPercent} is out of range; write a percentage of the credential's lifetime from 1 to 99 (docs/leases.md)`,
    );
  }

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
  return spec;
}

/**
 * Parses and validates the `objects` parameter (undefined when the parameter is absent).
 * `checkCount` (the `-max-objects` limit) sees the number of entries before any is parsed.
 * Throws InvalidParameterError naming the object (`object "db" (objects[1]): ...`) and the fix.
 */
export function parseObjects(text: string | undefined, checkCount?: (count: number) => void): ParsedObjects {
  if (text === undefined || text.trim() === '') throw new InvalidParameterError(NO_SECRETS);
  const { doc, value } = parseObjectsYaml(text);
  if (value === null || value === undefined) throw new InvalidParameterError(NO_SECRETS);
  if (isPlainObject(value) && Object.hasOwn(value, 'array')) {
    throw objectsError(
      'uses the pre-0.1.0 "array:" format, which is no longer supported; write a plain YAML list of ' +
        'mappings, one "- objectName: ..." entry per secret with secretPath (and secretKey)',
    );
  }
  if (!Array.isArray(value)) {
    throw objectsError(
      `must be a YAML list of objects (got ${describeType(value)}); start each entry with "- objectName: ..."`,
    );
  }
  if (value.length === 0) throw new InvalidParameterError(NO_SECRETS);
  checkCount?.(value.length);
  const objects = value.map((entry: unknown, index) => parseEntry(doc, index, entry));
  assertDistinctObjectPaths(objects.map((object) => object.objectName));
  return { objects };
}
