/**
 * The Vault connection and auth settings of one Mount: process defaults (environment < flags,
 * already merged into `ConnectionDefaults`) overridden by SecretProviderClass parameters.
 * Parameter names and meanings are the Go provider's. An empty parameter counts as unset.
 *
 * Overlay rules follow what the Go provider gets from vault/api:
 * - address, namespace, TLS server name, auth mount: the SPC value wins when set;
 * - CA: if the SPC sets `vaultCACertPath` or `vaultCADirectory`, that pair replaces the
 *   default pair as a whole (vault/api rebuilds the CA pool from the overlay), so a flag CA file
 *   cannot silently shadow an SPC CA directory;
 * - client certificate: the SPC must set cert and key together, and then replaces both;
 * - `vaultSkipTLSVerify` can only turn verification OFF: an SPC "false" does not undo a
 *   process-level skip (vault/api only ever switches "insecure" on).
 */
import { InvalidParameterError } from '../../errors.js';
import { hasDotSegment } from '../../vault/request-url.js';
import type { TlsSettings, VaultConnection } from '../../vault/vault-connection.js';
import type { VaultAuth } from '../../vault/vault-identity.js';
import type { ConnectionDefaults } from '../spec/mount-spec.js';
import { CONNECTION_PARAMETERS, KNOWN_PARAMETERS } from '../spec/parameter-names.js';
import { ParseProblems } from './parse-problems.js';
import { misspellingOf } from './suggest.js';
import { parseGoBool } from '../../go-compat/parse-bool.js';

export const DEFAULT_AUDIENCE = 'vault';

type ConnectionParameter = (typeof CONNECTION_PARAMETERS)[number];

// eslint-disable-next-line no-control-regex -- control characters are exactly what we reject
const CONTROL_CHARACTERS = /[\u0000-\u001f\u007f]/;

function fail(name: string, why: string): never {
  throw new InvalidParameterError(`parameter "${name}": ${why}`);
}

/**
 * `http(s)://host[:port][/path]` or `unix:///absolute/socket/path` (the Vault Agent socket).
 * The value is not echoed in the error: an address can carry credentials.
 */
export function validateVaultAddress(address: string, name = 'vaultAddress'): string {
  const expected =
    'must be an http:// or https:// URL (e.g. https://vault.vault.svc:8200) or unix:///path/to/agent.sock';
  if (/\s/.test(address) || CONTROL_CHARACTERS.test(address)) fail(name, `must not contain whitespace; it ${expected}`);
  if (address.startsWith('unix://')) {
    const socketPath = address.slice('unix://'.length);
    if (!socketPath.startsWith('/') || socketPath === '/')
      fail(name, `must name an absolute socket path after unix:// (unix:///path/to/agent.sock)`);
    return address;
  }
  let url: URL;
  try {
    url = new URL(address);
  } catch {
    return fail(name, `is not a valid URL; it ${expected}`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') fail(name, `has an unsupported scheme; it ${expected}`);
  if (url.hostname === '') fail(name, `has no host; it ${expected}`);
  if (url.username !== '' || url.password !== '')
    fail(name, "must not contain credentials; the provider authenticates with the pod's service account");
  if (url.search !== '' || url.hash !== '') fail(name, `must not have a query or fragment; it ${expected}`);
  // Every request goes below the address's path; a `..%2f` there would climb out at a proxy.
  if (hasDotSegment(url.pathname)) fail(name, 'must not have "." or ".." segments in its path (also percent-encoded)');
  return address;
}

/**
 * An auth mount path as Vault's API needs it after `/v1/auth/`. Users write `kubernetes`,
 * `auth/kubernetes`, `/v1/auth/kubernetes/` or nested `team/k8s`; all reduce to the mount's own
 * path. (Go used the value verbatim, so `auth/kubernetes` failed there; accepting it is additive.)
 */
export function normaliseAuthMountPath(value: string, name: string): string {
  if (CONTROL_CHARACTERS.test(value) || /[\s?#%\\]/.test(value)) {
    fail(name, 'must be a Vault auth mount path such as "kubernetes" or "jwt" (no spaces, ?, #, %, \\)');
  }
  // Prefixes are stripped before trailing slashes so "auth/" alone is empty, not a mount named "auth".
  let path = value.replace(/^\/+/, '');
  if (path.startsWith('v1/')) path = path.slice('v1/'.length);
  if (path.startsWith('auth/')) path = path.slice('auth/'.length);
  path = path.replace(/^\/+|\/+$/g, '');
  if (path === '') fail(name, 'must name an auth mount, e.g. "kubernetes" or "jwt"');
  if (path.split('/').some((segment) => segment === '' || segment === '.' || segment === '..')) {
    fail(name, 'must not contain empty, "." or ".." segments');
  }
  return path;
}

function validateFilePath(path: string, name: string): string {
  if (!path.startsWith('/')) fail(name, 'must be an absolute path inside the provider pod (not the application pod)');
  if (CONTROL_CHARACTERS.test(path)) fail(name, 'must not contain control characters');
  return path;
}

function validateHeaderValue(value: string, name: string): string {
  // Sent as the X-Vault-Namespace header: a line break would corrupt the request.
  if (CONTROL_CHARACTERS.test(value)) fail(name, 'must not contain control characters');
  return value;
}

export interface ConnectionParameters {
  readonly connection: VaultConnection;
  readonly auth: VaultAuth;
}

export function parseConnection(
  attributes: ReadonlyMap<string, string>,
  defaults: ConnectionDefaults,
): ConnectionParameters {
  const problems = new ParseProblems();
  const parameters = readConnection(attributes, defaults, problems);
  problems.throwFirst();
  return parameters;
}

/**
 * Every connection parameter checked, each problem recorded in `problems` (in the order a Mount
 * would report them) with the default standing in for the bad value, so one run names them all.
 */
export function readConnection(
  attributes: ReadonlyMap<string, string>,
  defaults: ConnectionDefaults,
  problems: ParseProblems,
): ConnectionParameters {
  const param = (name: ConnectionParameter): string | undefined => {
    const value = attributes.get(name);
    return value === undefined || value === '' ? undefined : value;
  };
  const check = <T>(name: ConnectionParameter, read: () => T): T | undefined =>
    problems.attempt({ parameter: name }, read);

  const roleName = param('roleName') ?? '';
  if (roleName === '') {
    const misspelt = misspellingOf('roleName', attributes.keys(), KNOWN_PARAMETERS);
    problems.add(
      { parameter: 'roleName' },
      misspelt === undefined
        ? `parameter "roleName": missing; set roleName in the SecretProviderClass parameters to the Vault role bound to this pod's service account`
        : `parameter "roleName": missing, but "${misspelt}" is set: did you mean "roleName"? (the Vault role bound to this pod's service account)`,
    );
  }

  const kubernetesMount = param('vaultKubernetesMountPath');
  const authMount = param('vaultAuthMountPath');
  if (kubernetesMount !== undefined && authMount !== undefined) {
    check('vaultAuthMountPath', () =>
      fail('vaultAuthMountPath', 'cannot be set together with vaultKubernetesMountPath (they are aliases); keep one'),
    );
  }
  const mountPath =
    (authMount !== undefined
      ? check('vaultAuthMountPath', () => normaliseAuthMountPath(authMount, 'vaultAuthMountPath'))
      : kubernetesMount !== undefined
        ? check('vaultKubernetesMountPath', () => normaliseAuthMountPath(kubernetesMount, 'vaultKubernetesMountPath'))
        : undefined) ?? defaults.authMountPath;

  const skipText = param('vaultSkipTLSVerify');
  const skipFromSpc =
    check('vaultSkipTLSVerify', () =>
      skipText === undefined
        ? false
        : (parseGoBool(skipText) ??
          fail(
            'vaultSkipTLSVerify',
            'must be true or false (Go boolean syntax: 1, t, T, TRUE, true, True, 0, f, F, FALSE, false, False)',
          )),
    ) ?? false;

  const caCertPath = param('vaultCACertPath');
  const caDirectory = param('vaultCADirectory');
  const caFromSpc = caCertPath !== undefined || caDirectory !== undefined;
  const spcCaCert = caCertPath && check('vaultCACertPath', () => validateFilePath(caCertPath, 'vaultCACertPath'));
  const spcCaDirectory =
    caDirectory && check('vaultCADirectory', () => validateFilePath(caDirectory, 'vaultCADirectory'));
  const ca = caFromSpc
    ? {
        ...(spcCaCert === undefined ? {} : { caCertPath: spcCaCert }),
        ...(spcCaDirectory === undefined ? {} : { caDirectory: spcCaDirectory }),
      }
    : {
        ...(defaults.tls.caCertPath === undefined ? {} : { caCertPath: defaults.tls.caCertPath }),
        ...(defaults.tls.caDirectory === undefined ? {} : { caDirectory: defaults.tls.caDirectory }),
      };

  const clientCertPath = param('vaultTLSClientCertPath');
  const clientKeyPath = param('vaultTLSClientKeyPath');
  if ((clientCertPath === undefined) !== (clientKeyPath === undefined)) {
    const missing = clientCertPath === undefined ? 'vaultTLSClientCertPath' : 'vaultTLSClientKeyPath';
    const given = clientCertPath === undefined ? 'vaultTLSClientKeyPath' : 'vaultTLSClientCertPath';
    check(missing, () => fail(missing, `must be set together with ${given} (both or neither)`));
  }
  const spcClientCert =
    clientCertPath && check('vaultTLSClientCertPath', () => validateFilePath(clientCertPath, 'vaultTLSClientCertPath'));
  const spcClientKey =
    clientKeyPath && check('vaultTLSClientKeyPath', () => validateFilePath(clientKeyPath, 'vaultTLSClientKeyPath'));
  const client =
    spcClientCert !== undefined && spcClientKey !== undefined
      ? { clientCertPath: spcClientCert, clientKeyPath: spcClientKey }
      : {
          ...(defaults.tls.clientCertPath === undefined ? {} : { clientCertPath: defaults.tls.clientCertPath }),
          ...(defaults.tls.clientKeyPath === undefined ? {} : { clientKeyPath: defaults.tls.clientKeyPath }),
        };

  const spcServerName = param('vaultTLSServerName');
  const serverName =
    (spcServerName && check('vaultTLSServerName', () => validateHeaderValue(spcServerName, 'vaultTLSServerName'))) ??
    defaults.tls.serverName;
  const tls: TlsSettings = {
    ...ca,
    ...(serverName === undefined ? {} : { serverName }),
    ...client,
    skipVerify: defaults.tls.skipVerify || skipFromSpc,
  };

  const spcAddress = param('vaultAddress');
  const address =
    (spcAddress && check('vaultAddress', () => validateVaultAddress(spcAddress))) ?? defaults.vaultAddress;
  const spcNamespace = param('vaultNamespace');
  const namespace =
    (spcNamespace && check('vaultNamespace', () => validateHeaderValue(spcNamespace, 'vaultNamespace'))) ??
    defaults.vaultNamespace;

  return {
    connection: { address, ...(namespace === undefined || namespace === '' ? {} : { namespace }), tls },
    auth: { mountPath, roleName, audience: param('audience') ?? DEFAULT_AUDIENCE },
  };
}
