/**
 * Confines the file-path parameters of a mount (`vaultCACertPath`, `vaultCADirectory`,
 * `vaultTLSClientCertPath`, `vaultTLSClientKeyPath`) to the directories the operator lists in
 * `-allowed-tls-file-dirs`. The provider runs as root on the node: without this an SPC author
 * could make it open any node file (`/etc/shadow`, a kubelet key) and probe its existence or
 * shape through error messages.
 *
 * A path with a `..` segment is refused outright; every other path is resolved with realpath
 * (following every symlink) and must then lie inside a resolved allowed directory, so a symlink
 * planted inside an allowed directory cannot point out of it. The resolved path is what the
 * transport then reads, so the check and the read name the same file. Paths equal to the
 * operator's own flags are trusted as they are. Errors name the parameter and the path the
 * author wrote, never the resolved target or any file content, and a missing file gets the same
 * error as a file outside the directories (no existence oracle). Runs once per Mount.
 */
import { realpath } from 'node:fs/promises';
import { sep } from 'node:path';
import { InvalidParameterError } from '../../errors.js';
import type { TlsSettings } from '../../vault/vault-connection.js';

const FILE_PARAMETERS = {
  caCertPath: 'vaultCACertPath',
  caDirectory: 'vaultCADirectory',
  clientCertPath: 'vaultTLSClientCertPath',
  clientKeyPath: 'vaultTLSClientKeyPath',
} as const;

type FileField = keyof typeof FILE_PARAMETERS;

function isInside(path: string, directory: string): boolean {
  const base = directory.endsWith(sep) ? directory : `${directory}${sep}`;
  return path === directory || path.startsWith(base);
}

async function resolveAllowedDirectories(directories: readonly string[]): Promise<string[]> {
  const resolved: string[] = [];
  for (const directory of directories) {
    // A configured directory that does not exist (yet) allows nothing; it is not an error.
    resolved.push(
      ...(await realpath(directory).then(
        (path) => [path],
        () => [],
      )),
    );
  }
  return resolved;
}

async function confine(path: string, parameter: string, allowed: readonly string[], flag: string): Promise<string> {
  if (path.split('/').includes('..')) {
    throw new InvalidParameterError(`parameter "${parameter}": "${path}" must not contain ".." segments`);
  }
  // One answer whether the path is missing, unreadable or outside: two would tell an SPC author
  // which node files exist (the provider is root on the node).
  const refused = () =>
    new InvalidParameterError(
      `parameter "${parameter}": "${path}" is not in the directories the operator allows for TLS files (${flag}), or does not exist there (symlinks followed); the path is read inside the provider pod, so ask for the file to be mounted into the provider under one of them`,
    );
  const resolved = await realpath(path).catch(() => undefined);
  if (resolved === undefined || !allowed.some((directory) => isInside(resolved, directory))) throw refused();
  return resolved;
}

/**
 * Returns `tls` with every mount-supplied file path resolved and confined, or throws
 * InvalidParameterError. `undefined` directories means the control is off (the default).
 */
export async function guardTlsFiles(
  tls: TlsSettings,
  operatorTls: TlsSettings,
  allowedDirectories: readonly string[] | undefined,
): Promise<TlsSettings> {
  if (allowedDirectories === undefined) return tls;
  const fields = (Object.keys(FILE_PARAMETERS) as FileField[]).filter(
    (field) => tls[field] !== undefined && tls[field] !== operatorTls[field],
  );
  if (fields.length === 0) return tls;
  const allowed = await resolveAllowedDirectories(allowedDirectories);
  const guarded: { -readonly [K in keyof TlsSettings]: TlsSettings[K] } = { ...tls };
  for (const field of fields) {
    guarded[field] = await confine(tls[field] ?? '', FILE_PARAMETERS[field], allowed, '-allowed-tls-file-dirs');
  }
  return guarded;
}
