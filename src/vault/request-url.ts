/**
 * The URL of one Vault request. A Vault behind a proxy is often reached at an address with a
 * path (`https://gateway.example.com/vault`); Go's vault/api keeps that path in front of every
 * API path, so `auth/kubernetes/login` goes to `/vault/v1/auth/kubernetes/login`. This does the
 * same for every request (login, reads, renewals, revocations, the health probe), and keeps the
 * request inside the address's path: an operator who allows `https://gateway/vault/` allows
 * that subtree of the gateway, not its admin API next door.
 */
import { InvalidParameterError } from '../errors.js';

/** Where requests of one connection go: the origin and the address's own path (`''` or `/vault`). */
export interface VaultBase {
  readonly origin: string;
  readonly pathPrefix: string;
}

/** The base of an `http(s)://` address: its path without the trailing slash. */
export function vaultBase(address: string): VaultBase {
  const url = new URL(address);
  return { origin: url.origin, pathPrefix: url.pathname.replace(/\/+$/, '') };
}

/**
 * Whether a path has a `.` or `..` segment once percent-decoding is undone, as often as a proxy
 * might undo it (`..%2f..` and `%252e%252e` included). Proxies in front of Vault decode and
 * normalise before routing, so such a path could leave the address's path prefix there.
 */
export function hasDotSegment(path: string): boolean {
  let decoded = path;
  for (let round = 0; round < 3 && decoded.includes('%'); round += 1) {
    try {
      decoded = decodeURIComponent(decoded);
    } catch {
      // A stray `%` that is no escape: what is decoded so far is what a proxy would see too.
      break;
    }
  }
  return decoded.split(/[/\\]/).some((segment) => segment === '.' || segment === '..');
}

/**
 * `base` + `apiPath` (which starts with `/v1/`) + `query`. Refuses a path that would end up
 * outside `<pathPrefix>/v1/`; the parsers refuse such paths earlier with a message naming the
 * parameter, so this is the last line for any path that reaches a request.
 */
export function vaultRequestUrl(
  base: VaultBase,
  apiPath: string,
  query: Readonly<Record<string, string>> | undefined,
  subject: string,
): URL {
  const url = new URL(`${base.origin}${base.pathPrefix}${apiPath}`);
  const inside = `${base.pathPrefix}/v1/`;
  if (
    !apiPath.startsWith('/v1/') ||
    hasDotSegment(apiPath) ||
    url.origin !== base.origin ||
    !url.pathname.startsWith(inside) ||
    hasDotSegment(url.pathname)
  ) {
    throw new InvalidParameterError(
      `${subject}: the Vault request path would leave ${inside} of the Vault address; remove "." and ".." segments (also percent-encoded) from secretPath and the auth mount path`,
    );
  }
  for (const [name, value] of Object.entries(query ?? {})) url.searchParams.set(name, value);
  return url;
}
