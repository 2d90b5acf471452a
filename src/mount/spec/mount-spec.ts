/**
 * The typed result of parsing one MountRequest (lives for one Mount call). Everything the
 * provider needs to serve the volume, validated once at the boundary; inside, code trusts it.
 * The connection, auth and pod types belong to `vault/`, which sends the requests.
 */
import type { TlsSettings, VaultConnection } from '../../vault/vault-connection.js';
import type { PodInfo, VaultAuth } from '../../vault/vault-identity.js';

export type Encoding = 'utf-8' | 'base64' | 'hex';

/** One entry of the `objects` parameter, normalised. */
export interface SecretObjectSpec {
  /** Relative file path in the mount, and the object-version id. */
  readonly objectName: string;
  /** As written by the user; the request built from it lives in `VaultRequest`. */
  readonly secretPath: string;
  readonly secretKey?: string;
  /** Upper-case HTTP method, default GET. */
  readonly method: string;
  readonly secretArgs?: Readonly<Record<string, unknown>>;
  /** File mode bits (0..0o777); absent means the request's default permission. */
  readonly filePermission?: number;
  readonly encoding: Encoding;
  /** Percent of a dynamic credential's lifetime after which it is renewed or re-issued (docs/leases.md). */
  readonly renewalPercent?: number;
  /** How long a non-leased answer is served from the pod's cache, in ms; 0 turns the SPC default off (docs/refresh-interval.md). */
  readonly refreshIntervalMs?: number;
  /** Additive rendering features (docs/selection.md, formats.md, templates.md, pki.md). */
  readonly jmesPath?: string;
  readonly format?: OutputFormat;
  /** Go text/template source; `secretPath` is "" for a template object. */
  readonly template?: string;
  /**
   * The template's `secret` calls as reads, found when the template was parsed: planning needs
   * them, and must not parse the template again on the event loop (rendering does, in the sandbox).
   */
  readonly templateReads?: readonly TemplateRead[];
  readonly pki?: PkiPart;
  readonly keyFormat?: KeyFormat;
  /**
   * The Go fields as the user wrote them, the input of object versions (`output/object-version.ts`);
   * set by the parser, carried by every copy of the spec. Absent on specs built by hand: then
   * derived from the normalised values.
   */
  readonly asWritten?: RawObjectFields;
}

/**
 * One object's fields exactly as the Go provider's struct holds them after decoding: strings as
 * written ("" when absent), `secretArgs` null when absent, `filePermission` 0 when absent.
 * Object versions hash these (not the normalised spec) so an unchanged SecretProviderClass gets
 * the same versions as under the Go provider with the same HMAC key.
 */
export interface RawObjectFields {
  readonly objectName: string;
  readonly secretPath: string;
  readonly secretKey: string;
  readonly method: string;
  readonly secretArgs: Readonly<Record<string, unknown>> | null;
  readonly filePermission: number;
  readonly encoding: string;
}

export const OUTPUT_FORMATS = ['env', 'dotenv', 'json', 'yaml', 'properties'] as const;
/** One `secret` call of a template as a request: GET, or PUT with the call's pairs as its body. */
export interface TemplateRead {
  readonly method: 'GET' | 'PUT';
  readonly secretPath: string;
  readonly body?: Readonly<Record<string, string>>;
}

export type OutputFormat = (typeof OUTPUT_FORMATS)[number];
export const PKI_PARTS = ['certificate', 'private-key', 'issuing-ca', 'ca-chain', 'fullchain', 'bundle'] as const;
export type PkiPart = (typeof PKI_PARTS)[number];
export const KEY_FORMATS = ['pkcs8', 'pkcs1'] as const;
export type KeyFormat = (typeof KEY_FORMATS)[number];

export interface MountSpec {
  readonly pod: PodInfo;
  /** Name of the SecretProviderClass (absent on old-driver rotation calls). */
  readonly secretProviderClass?: string;
  /**
   * The pod's service-account JWT for `auth.audience`. Never logged. Empty only when the driver
   * sent none and `-token-request-fallback` is on: the MountService then mints one.
   */
  readonly serviceAccountToken: string;
  readonly connection: VaultConnection;
  readonly auth: VaultAuth;
  /** Mode for objects without `filePermission` (from the request's `permission`, normally 0o644). */
  readonly defaultFileMode: number;
  readonly objects: readonly SecretObjectSpec[];
  /** The SPC's `refreshInterval` in ms: the default of objects without their own. */
  readonly refreshIntervalMs?: number;
  /** Protected parameters dropped under `-volume-attribute-overrides=ignore` (names only, for a warning). */
  readonly ignoredParameters?: readonly string[];
  /** Unknown parameters that look like a known one misspelt, `key (did you mean known?)` (audit line). */
  readonly misspeltParameters?: readonly string[];
}

/**
 * Process-wide defaults from flags and environment (fixed at start). SPC parameters override
 * them field by field: environment < flags < SecretProviderClass.
 */
export interface ConnectionDefaults {
  readonly vaultAddress: string;
  readonly vaultNamespace?: string;
  readonly authMountPath: string;
  readonly tls: TlsSettings;
}
