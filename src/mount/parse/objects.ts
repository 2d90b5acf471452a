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
import { InvalidParameterError } from '../../errors.js';
import { isPlainObject } from '../../go-compat/go-json.js';
import type { RawObjectFields, SecretObjectSpec } from '../spec/mount-spec.js';
import { objectPathConflicts } from './object-path.js';
import { parseObjectsYaml } from './objects-yaml.js';
import { describeType, readEntry } from './object-entry.js';
import { ParseProblems } from './parse-problems.js';

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

const NO_SECRETS =
  'parameter "objects": no secrets configured - the provider will not read any secret material; add an objects list with objectName and secretPath';

function objectsError(why: string): InvalidParameterError {
  return new InvalidParameterError(`parameter "objects": ${why}`);
}

/**
 * Parses and validates the `objects` parameter (undefined when the parameter is absent).
 * Throws InvalidParameterError naming the object (`object "db" (objects[1]): ...`) and the fix.
 */
export function parseObjects(text: string | undefined, options: ReadObjectsOptions = {}): ParsedObjects {
  const problems = new ParseProblems();
  const objects = readObjects(text, problems, options);
  problems.throwFirst();
  return { objects };
}

export interface ReadObjectsOptions {
  /** A parameter that looks like a misspelling of `objects` (named when it is missing). */
  readonly misspelt?: string;
  /** The `-max-objects` limit: sees the number of entries before any is parsed. */
  readonly checkCount?: (count: number) => void;
}

/**
 * Every entry checked, each problem recorded in `problems`; returns the entries without a
 * problem (all of them when there is none).
 */
export function readObjects(
  text: string | undefined,
  problems: ParseProblems,
  options: ReadObjectsOptions = {},
): SecretObjectSpec[] {
  const at = { parameter: 'objects' };
  const noSecrets = (): SecretObjectSpec[] => {
    problems.add(
      at,
      options.misspelt === undefined
        ? NO_SECRETS
        : `parameter "objects": missing, but "${options.misspelt}" is set: did you mean "objects"? (the list of secrets to mount)`,
    );
    return [];
  };
  if (text === undefined || text.trim() === '') return noSecrets();
  const parsed = problems.attempt(at, () => parseObjectsYaml(text));
  if (parsed === undefined) return [];
  const { doc, value } = parsed;
  if (value === null || value === undefined) return noSecrets();
  if (isPlainObject(value) && Object.hasOwn(value, 'array')) {
    problems.add(
      at,
      objectsError(
        'uses the pre-0.1.0 "array:" format, which is no longer supported; write a plain YAML list of ' +
          'mappings, one "- objectName: ..." entry per secret with secretPath (and secretKey)',
      ),
    );
    return [];
  }
  if (!Array.isArray(value)) {
    problems.add(
      at,
      objectsError(
        `must be a YAML list of objects (got ${describeType(value)}); start each entry with "- objectName: ..."`,
      ),
    );
    return [];
  }
  if (value.length === 0) return noSecrets();
  const { checkCount } = options;
  // Over the limit, no entry is parsed (nor a misspelt field name looked up).
  const countAllowed =
    checkCount === undefined ||
    problems.attempt(at, () => {
      checkCount(value.length);
      return true;
    }) === true;
  if (!countAllowed) return [];
  const entries = value.map((entry: unknown, index) => readEntry(doc, index, entry, problems));
  for (const conflict of objectPathConflicts(entries.map((entry) => entry.objectName))) {
    problems.add({ ...at, objectIndex: conflict.index, field: 'objectName' }, conflict.message);
  }
  return entries.flatMap((entry) => (entry.spec === undefined ? [] : [entry.spec]));
}
