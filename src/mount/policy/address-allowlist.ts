/**
 * The operator's allowlist of Vault addresses (`-allowed-vault-addresses`). The provider sends
 * each pod's service-account JWT to whatever address a mount names, so an SecretProviderClass or
 * a pod's volumeAttributes naming an attacker's host would hand that pod's identity to it.
 *
 * Addresses and entries are compared in one canonical form, so spelling tricks cannot slip
 * past an exact entry: scheme and host lower-cased, one trailing dot dropped, default ports
 * (443, 80) removed, IPv4 numeric forms (`0x7f.1`) and IPv6 forms (`[0:0::1]`, IPv4-mapped)
 * canonicalised by the WHATWG URL parser, percent-encoded host bytes decoded, userinfo refused,
 * `unix://` paths normalised with `..` refused. Built once per process from the flag.
 */
import { posix } from 'node:path';
import { hasDotSegment } from '../../vault/request-url.js';

export interface AllowlistEntry {
  /** Canonical address, or canonical prefix ending in `/` for path prefixes. */
  readonly canonical: string;
  /** `https://*.example.com:8200`: any host ending in `.example.com` with that scheme and port. */
  readonly hostSuffix?: { readonly scheme: string; readonly suffix: string; readonly port: string };
  readonly prefix: boolean;
}

export class AddressFormError extends Error {
  override readonly name = 'AddressFormError';
}

/** `::ffff:7f00:1` → `127.0.0.1`, so an IPv4-mapped form equals the plain IPv4 entry. */
function unmapIpv6(host: string): string {
  const match = /^\[::ffff:([0-9a-f]{1,4}):([0-9a-f]{1,4})\]$/.exec(host);
  if (match === null) return host;
  const high = Number.parseInt(match[1] ?? '0', 16);
  const low = Number.parseInt(match[2] ?? '0', 16);
  return [high >> 8, high & 0xff, low >> 8, low & 0xff].join('.');
}

function canonicalUnix(address: string): string {
  const path = address.slice('unix://'.length);
  if (!path.startsWith('/')) throw new AddressFormError('a unix:// address needs an absolute path');
  if (path.split('/').includes('..')) throw new AddressFormError('a unix:// path must not contain ".."');
  const normalised = posix.normalize(path);
  return `unix://${normalised}`;
}

/**
 * The canonical form of an address: `scheme://host[:port]` plus the path when it is not `/`.
 * Throws AddressFormError (never echoing the address: it may carry credentials).
 */
export function canonicalVaultAddress(address: string): string {
  if (address.toLowerCase().startsWith('unix://')) return canonicalUnix(`unix://${address.slice('unix://'.length)}`);
  let url: URL;
  try {
    url = new URL(address);
  } catch {
    throw new AddressFormError('not a valid URL');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new AddressFormError('scheme must be http or https');
  // `https://allowed.example@evil.example` names evil.example; refuse any userinfo outright.
  if (url.username !== '' || url.password !== '' || /^[a-z]+:\/\/[^/]*@/i.test(address)) {
    throw new AddressFormError('must not contain userinfo (user@host)');
  }
  if (url.search !== '' || url.hash !== '') throw new AddressFormError('must not have a query or fragment');
  let host = unmapIpv6(url.hostname.toLowerCase());
  if (host.endsWith('.')) host = host.slice(0, -1);
  if (host === '' || host.endsWith('.')) throw new AddressFormError('has no host');
  // URL already drops the scheme's default port; keep an explicit non-default one.
  const port = url.port === '' ? '' : `:${url.port}`;
  const path = url.pathname === '/' ? '' : url.pathname;
  // WHATWG URLs resolve `..` and `%2e%2e`, but not `..%2f`, which a proxy may decode and resolve.
  if (hasDotSegment(path)) throw new AddressFormError('must not have "." or ".." segments in its path');
  return `${url.protocol}//${host}${port}${path}`;
}

/** Parses one `-allowed-vault-addresses` entry. */
export function parseAllowlistEntry(entry: string): AllowlistEntry {
  const wildcard = /^(https?):\/\/\*\.([^/:]+)(?::(\d+))?\/?$/i.exec(entry);
  if (wildcard !== null) {
    const scheme = (wildcard[1] ?? '').toLowerCase();
    const sample = canonicalVaultAddress(
      `${scheme}://x.${wildcard[2] ?? ''}${wildcard[3] === undefined ? '' : `:${wildcard[3]}`}`,
    );
    const url = new URL(sample);
    return {
      canonical: sample,
      prefix: false,
      hostSuffix: { scheme: url.protocol, suffix: url.hostname.slice(1), port: url.port },
    };
  }
  const prefix = entry.endsWith('/') && !/^https?:\/\/[^/]+\/$/i.test(entry);
  const canonical = canonicalVaultAddress(prefix ? entry.slice(0, -1) : entry);
  return { canonical: prefix ? `${canonical}/` : canonical, prefix };
}

/** Whether `address` (already validated) is allowed by one of `entries`. */
export function isAddressAllowed(address: string, entries: readonly AllowlistEntry[]): boolean {
  let canonical: string;
  try {
    canonical = canonicalVaultAddress(address);
  } catch {
    return false;
  }
  return entries.some((entry) => {
    if (entry.hostSuffix !== undefined) {
      if (canonical.startsWith('unix://')) return false;
      const url = new URL(canonical);
      const { scheme, suffix, port } = entry.hostSuffix;
      return (
        url.protocol === scheme &&
        url.port === port &&
        url.pathname === '/' &&
        url.hostname.endsWith(suffix) &&
        url.hostname.length > suffix.length
      );
    }
    // `https://gateway/vault` names the prefix `https://gateway/vault/` itself.
    if (entry.prefix) return canonical.startsWith(entry.canonical) || `${canonical}/` === entry.canonical;
    return canonical === entry.canonical;
  });
}
