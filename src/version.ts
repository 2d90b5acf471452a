/** Build identity of this provider (per process), read from package.json beside `src/` or `dist/`. */
import { readFileSync } from 'node:fs';

export const RUNTIME_NAME = 'vault-csi-provider-ts';
export const API_VERSION = 'v1alpha1';

function readPackageVersion(): string {
  const text = readFileSync(new URL('../package.json', import.meta.url), 'utf8');
  const version = (JSON.parse(text) as { version?: unknown }).version;
  return typeof version === 'string' ? version : '0.0.0';
}

export const RUNTIME_VERSION = readPackageVersion();
