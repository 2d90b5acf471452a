/**
 * ACL evaluation as in vault-api.md §5: deny by default; an exact rule beats every glob; among
 * glob rules only the most specific pattern applies (identical patterns from several policies are
 * unioned); `deny` wins within the chosen rule. Policies are evaluated per request, so editing a
 * policy affects tokens already issued.
 */
export type Capability = 'create' | 'read' | 'update' | 'patch' | 'delete' | 'list' | 'sudo' | 'deny' | 'subscribe';

export const CAPABILITIES: readonly Capability[] = [
  'create',
  'read',
  'update',
  'patch',
  'delete',
  'list',
  'sudo',
  'deny',
  'subscribe',
];

export interface PolicyRule {
  readonly path: string;
  readonly capabilities: readonly string[];
}

export interface Policy {
  readonly name: string;
  readonly rules: readonly PolicyRule[];
  /** The HCL text as written (or rendered from rules), returned by GET sys/policies/acl/<name>. */
  readonly text: string;
}

function isGlob(pattern: string): boolean {
  return pattern.endsWith('*') || pattern.split('/').includes('+');
}

const patternCache = new Map<string, RegExp>();

function globRegExp(pattern: string): RegExp {
  const cached = patternCache.get(pattern);
  if (cached !== undefined) return cached;
  const escape = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const segments = pattern.split('/');
  const parts = segments.map((segment, index) => {
    const last = index === segments.length - 1;
    if (segment === '+') return '[^/]*';
    if (last && segment.endsWith('*')) return `${escape(segment.slice(0, -1))}.*`;
    return escape(segment);
  });
  const re = new RegExp(`^${parts.join('/')}$`, 's');
  patternCache.set(pattern, re);
  return re;
}

export function globMatches(pattern: string, path: string): boolean {
  return isGlob(pattern) ? globRegExp(pattern).test(path) : pattern === path;
}

function firstWildcardIndex(pattern: string): number {
  const segments = pattern.split('/');
  let offset = 0;
  for (const segment of segments) {
    if (segment === '+') return offset;
    offset += segment.length + 1;
  }
  return pattern.endsWith('*') ? pattern.length - 1 : pattern.length;
}

/** Negative when `a` is *less* specific than `b` (the five ordered rules of §5). */
export function comparePatternPriority(a: string, b: string): number {
  const wa = firstWildcardIndex(a);
  const wb = firstWildcardIndex(b);
  if (wa !== wb) return wa < wb ? -1 : 1;
  const sa = a.endsWith('*');
  const sb = b.endsWith('*');
  if (sa !== sb) return sa ? -1 : 1;
  const pa = a.split('/').filter((s) => s === '+').length;
  const pb = b.split('/').filter((s) => s === '+').length;
  if (pa !== pb) return pa > pb ? -1 : 1;
  if (a.length !== b.length) return a.length < b.length ? -1 : 1;
  if (a !== b) return a < b ? -1 : 1;
  return 0;
}

function union(rules: readonly PolicyRule[]): Set<Capability> {
  const caps = new Set<Capability>();
  for (const rule of rules) for (const cap of rule.capabilities) caps.add(cap as Capability);
  if (caps.has('deny')) return new Set<Capability>(['deny']);
  return caps;
}

/** Capabilities granted on `path` (relative to the namespace). `root` short-circuits to everything. */
export function capabilitiesFor(policies: readonly Policy[], path: string, isList: boolean): Set<Capability> {
  const rules = policies.flatMap((p) => p.rules);
  const exact = rules.filter((r) => !isGlob(r.path) && r.path === path);
  if (exact.length > 0) return union(exact);
  if (isList && path.endsWith('/')) {
    const trimmed = path.slice(0, -1);
    const exactTrimmed = rules.filter((r) => !isGlob(r.path) && r.path === trimmed);
    if (exactTrimmed.length > 0) return union(exactTrimmed);
  }
  let best: string | undefined;
  for (const rule of rules) {
    if (!isGlob(rule.path) || !globRegExp(rule.path).test(path)) continue;
    if (best === undefined || comparePatternPriority(rule.path, best) > 0) best = rule.path;
  }
  if (best === undefined) return new Set();
  const chosen = best;
  return union(rules.filter((r) => r.path === chosen));
}

/**
 * Whether a token may see a mount at all (the `sys/internal/ui/mounts` preflight): any non-deny
 * capability on the mount path or anything below it.
 */
export function hasMountAccess(policies: readonly Policy[], mountPath: string): boolean {
  const mount = mountPath.endsWith('/') ? mountPath : `${mountPath}/`;
  for (const rule of policies.flatMap((p) => p.rules)) {
    if (rule.capabilities.length === 0 || rule.capabilities.includes('deny')) continue;
    if (ruleReachesUnder(rule.path, mount)) return true;
  }
  return false;
}

function ruleReachesUnder(pattern: string, mount: string): boolean {
  if (pattern === mount.slice(0, -1) || pattern.startsWith(mount)) return true;
  // Walk the mount's segments against the pattern: '+' matches any, a trailing '*' matches the rest.
  const mountSegments = mount.slice(0, -1).split('/');
  const patternSegments = pattern.split('/');
  for (let i = 0; i < mountSegments.length; i += 1) {
    const ps = patternSegments[i];
    const ms = mountSegments[i] ?? '';
    if (ps === undefined) return false;
    const last = i === patternSegments.length - 1;
    if (last && ps.endsWith('*')) return ms.startsWith(ps.slice(0, -1)) || ps.slice(0, -1).startsWith(ms);
    if (ps !== '+' && ps !== ms) return false;
  }
  return patternSegments.length > mountSegments.length;
}

/** The `default` policy of every namespace (vault-api.md §5; identity/oidc parts omitted). */
export const DEFAULT_POLICY_RULES: readonly PolicyRule[] = [
  { path: 'auth/token/lookup-self', capabilities: ['read'] },
  { path: 'auth/token/renew-self', capabilities: ['update'] },
  { path: 'auth/token/revoke-self', capabilities: ['update'] },
  { path: 'sys/capabilities-self', capabilities: ['update'] },
  { path: 'sys/internal/ui/resultant-acl', capabilities: ['read'] },
  { path: 'sys/renew', capabilities: ['update'] },
  { path: 'sys/leases/renew', capabilities: ['update'] },
  { path: 'sys/leases/lookup', capabilities: ['update'] },
  { path: 'cubbyhole/*', capabilities: ['create', 'read', 'update', 'delete', 'list'] },
  { path: 'sys/wrapping/wrap', capabilities: ['update'] },
  { path: 'sys/wrapping/lookup', capabilities: ['update'] },
  { path: 'sys/wrapping/unwrap', capabilities: ['update'] },
  { path: 'sys/tools/hash', capabilities: ['update'] },
  { path: 'sys/tools/hash/*', capabilities: ['update'] },
];

export function renderPolicyHcl(rules: readonly PolicyRule[]): string {
  return rules
    .map(
      (r) =>
        `path ${JSON.stringify(r.path)} {\n  capabilities = [${r.capabilities.map((c) => JSON.stringify(c)).join(', ')}]\n}\n`,
    )
    .join('\n');
}
