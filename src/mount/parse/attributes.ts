/**
 * The boundary of a Mount: the driver's MountRequest strings → a typed, validated `MountSpec`.
 * Pure (no I/O); runs once per Mount call. Errors are InvalidParameterError (gRPC
 * InvalidArgument) or MissingServiceAccountTokenError, with messages that name the parameter or
 * object and say what to fix; none echoes `secrets`, a token or a `secretArgs` value.
 *
 * `attributes` is the SecretProviderClass `parameters` overlaid by the pod's volumeAttributes
 * and kubelet's pod keys, so unknown top-level keys are normal (any volumeAttribute is copied in)
 * and are tolerated; `unknownParameters` lists them for a warning log. `target_path` is ignored:
 * the driver writes the files we return.
 */
import * as z from 'zod';
import { InvalidParameterError, MissingServiceAccountTokenError } from '../../errors.js';
import { parseConnection } from './connection.js';
import { DEFAULT_FILE_MODE, isFileMode } from './file-mode.js';
import type { PodInfo } from '../../vault/vault-identity.js';
import type { ConnectionDefaults, MountSpec } from '../spec/mount-spec.js';
import { parseObjectsParameter, type ObjectsCache } from './objects-cache.js';
import { selectServiceAccountToken } from './service-account-token.js';
import { KNOWN_PARAMETERS, POD_KEYS, REFRESH_INTERVAL_PARAMETER } from '../spec/parameter-names.js';
import { misspellingOf, suggest } from './suggest.js';
import { parseRefreshInterval } from './refresh-interval.js';
import {
  checkConnection,
  checkRawRequest,
  checkTokenSource,
  DEFAULT_SECURITY_POLICY,
  filterAttributes,
  type MountSecurityPolicy,
} from '../policy/security-policy.js';

export interface MountRequestStrings {
  readonly attributes: string;
  readonly secrets: string;
  readonly targetPath: string;
  readonly permission: string;
}

const StringMapSchema = z.record(z.string(), z.string());

/**
 * Parses a JSON object of strings into a Map (never a plain object: a key such as
 * `constructor` or `__proto__` must not reach inherited properties).
 */
function parseStringMap(text: string, name: string, showContentHints: boolean): Map<string, string> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new InvalidParameterError(
      `parameter "${name}": is not valid JSON${showContentHints ? '' : ' (content not shown)'}`,
    );
  }
  const checked = StringMapSchema.safeParse(parsed);
  if (!checked.success || typeof parsed !== 'object' || parsed === null) {
    const key = checked.error?.issues[0]?.path[0];
    const where = showContentHints && typeof key === 'string' ? ` (key ${JSON.stringify(key)} is not a string)` : '';
    throw new InvalidParameterError(
      `parameter "${name}": must be a JSON object of string values${where}${showContentHints ? '' : ' (content not shown)'}`,
    );
  }
  return new Map(Object.entries(parsed as Record<string, string>));
}

/** `secrets` (nodePublishSecretRef data): may be the literal `null` or empty; never echoed. */
function parseSecrets(text: string): Map<string, string> {
  const trimmed = text.trim();
  if (trimmed === '' || trimmed === 'null') return new Map();
  return parseStringMap(trimmed, 'secrets', false);
}

/** The request's default file mode: a JSON number, "420" (0644) from the driver. */
export function parseRequestPermission(text: string): number {
  const trimmed = text.trim();
  if (trimmed === '') return DEFAULT_FILE_MODE;
  const mode = /^(0|[1-9][0-9]{0,9})$/.test(trimmed) ? Number(trimmed) : Number.NaN;
  if (!isFileMode(mode)) {
    throw new InvalidParameterError(
      `parameter "permission": must be a decimal JSON number from 0 to 511 (the driver sends "420" for 0644)`,
    );
  }
  // 0 would make unreadable files; like an absent filePermission, it means "the default".
  return mode === 0 ? DEFAULT_FILE_MODE : mode;
}

function missingPodKey(key: string): InvalidParameterError {
  return new InvalidParameterError(
    `parameter "${key}": missing; the driver passes pod information only when the CSIDriver object ` +
      `sets podInfoOnMount: true (reinstall or patch the secrets-store CSIDriver)`,
  );
}

/**
 * The pod's uid, namespace and service account key every token and credential cache, so they
 * are required. The name only labels logs: as the Go provider does, a Mount without it is served
 * (the TokenRequest fallback, which binds a token to the pod by name, still needs it).
 */
function parsePodInfo(attributes: ReadonlyMap<string, string>): PodInfo {
  const read = (key: string): string => {
    const value = attributes.get(key);
    if (value === undefined || value === '') throw missingPodKey(key);
    return value;
  };
  return {
    namespace: read(POD_KEYS.namespace),
    name: attributes.get(POD_KEYS.name) ?? '',
    uid: read(POD_KEYS.uid),
    serviceAccountName: read(POD_KEYS.serviceAccountName),
  };
}

/** Unknown keys looked at for a suggestion; a pod may send thousands, none of which helps anyone. */
export const MAX_SUGGESTED_KEYS = 20;

/**
 * Top-level keys we do not know, each with the closest known name if it looks like a typo (the
 * first MAX_SUGGESTED_KEYS unknown keys only). Call it on attributes within the size limit.
 */
export function unknownParameters(attributes: ReadonlyMap<string, string>): { key: string; suggestion?: string }[] {
  return [...attributes.keys()]
    .filter((key) => !KNOWN_PARAMETERS.includes(key))
    .map((key, index) => {
      const suggestion =
        index >= MAX_SUGGESTED_KEYS || key.startsWith('csi.storage.k8s.io/')
          ? undefined
          : suggest(key, KNOWN_PARAMETERS);
      return suggestion === undefined ? { key } : { key, suggestion };
    });
}

/** Parses the attribute map only (for callers that need it, e.g. to warn about unknown keys). */
export function parseAttributes(text: string): Map<string, string> {
  if (text.trim() === '')
    throw new InvalidParameterError(
      'parameter "attributes": empty; the driver must send the SecretProviderClass parameters',
    );
  return parseStringMap(text, 'attributes', true);
}

function misspeltObjects(attributes: ReadonlyMap<string, string>): { misspelt?: string } {
  if (attributes.has('objects')) return {};
  const misspelt = misspellingOf('objects', attributes.keys(), KNOWN_PARAMETERS);
  return misspelt === undefined ? {} : { misspelt };
}

export interface ParseOptions {
  /** `-token-request-fallback`: a missing token is not an error; the MountService mints one. */
  readonly tokenFallback?: boolean;
  /** The operator's controls (sizes, protected parameters, address allowlist); defaults: permissive. */
  readonly security?: MountSecurityPolicy;
  /** Parsed `objects` by text (one per process); without it each call parses afresh. */
  readonly objectsCache?: ObjectsCache;
}

/** Unknown keys that look like a misspelt known parameter, as the audit line names them. */
export function misspeltParameters(attributes: ReadonlyMap<string, string>): string[] {
  return unknownParameters(attributes).flatMap(({ key, suggestion }) =>
    suggestion === undefined ? [] : [`${key} (did you mean ${suggestion}?)`],
  );
}

export function parseMountRequest(
  request: MountRequestStrings,
  defaults: ConnectionDefaults,
  options: ParseOptions = {},
): MountSpec {
  const security = options.security ?? DEFAULT_SECURITY_POLICY;
  // Sizes first: nothing an author controls is parsed before its size is known to be sane.
  checkRawRequest(request.attributes, request.secrets, security);
  const { attributes, ignored } = filterAttributes(parseAttributes(request.attributes), security);
  const secrets = parseSecrets(request.secrets);
  checkTokenSource(attributes, secrets, security);
  const defaultFileMode = parseRequestPermission(request.permission);
  const pod = parsePodInfo(attributes);
  const { connection, auth } = parseConnection(attributes, defaults);
  checkConnection(connection, defaults, security);
  const objectsText = attributes.get('objects');
  const objects =
    objectsText === undefined
      ? parseObjectsParameter(undefined, security.limits, misspeltObjects(attributes).misspelt)
      : (options.objectsCache?.objects(objectsText, security.limits) ??
        parseObjectsParameter(objectsText, security.limits));
  let serviceAccountToken: string;
  try {
    serviceAccountToken = selectServiceAccountToken(attributes, secrets, auth.audience);
  } catch (error) {
    // A malformed tokens value stays an error even with the fallback: the driver is misbehaving.
    if (options.tokenFallback !== true || !(error instanceof MissingServiceAccountTokenError)) throw error;
    if (pod.name === '') throw missingPodKey(POD_KEYS.name);
    serviceAccountToken = '';
  }
  const refreshText = attributes.get(REFRESH_INTERVAL_PARAMETER);
  const refreshIntervalMs =
    refreshText === undefined || refreshText.trim() === ''
      ? undefined
      : parseRefreshInterval(refreshText, `parameter "${REFRESH_INTERVAL_PARAMETER}"`);
  const secretProviderClass = attributes.get('secretProviderClass');
  const misspelt = misspeltParameters(attributes);
  return {
    pod,
    ...(secretProviderClass === undefined || secretProviderClass === '' ? {} : { secretProviderClass }),
    serviceAccountToken,
    connection,
    auth,
    defaultFileMode,
    objects,
    ...(refreshIntervalMs === undefined ? {} : { refreshIntervalMs }),
    ...(ignored.length === 0 ? {} : { ignoredParameters: ignored }),
    ...(misspelt.length === 0 ? {} : { misspeltParameters: misspelt }),
  };
}
