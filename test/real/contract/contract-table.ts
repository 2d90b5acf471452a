/**
 * The contract table: every endpoint and error path the provider uses, as requests sent alike to
 * OpenBao 2.7.2 and to the dev Vault (test/support/vault-dev). A row passes when both answer
 * with the same status, error texts, warnings, body keys and `data` keys. A deliberate
 * difference names the fields that differ and why; the table then also checks that they still
 * differ, so a fixture change that removes the difference must update the row.
 *
 * Row names follow shared/reference/openbao-2.7.2-responses/ where a capture exists.
 */
import type { ContractFixtures, ContractServer } from './contract-servers.js';
import type { Field } from './response-shape.js';

/** The provider's calls to Vault (src/vault, src/leases, src/cli/check). */
export const PROVIDER_ENDPOINTS = [
  'login',
  'read',
  'pki issue',
  'database creds',
  'sys/leases/renew',
  'sys/leases/revoke',
  'sys/leases/lookup',
  'auth/token/renew-self',
  'sys/health',
  'sys/capabilities-self',
  'sys/internal/ui/mounts',
] as const;

export type Endpoint = (typeof PROVIDER_ENDPOINTS)[number];

export interface RowRequest {
  readonly method: string;
  /** Below `/v1/`. */
  readonly path: string;
  /** Default: the app token (kubernetes login, policy `app`); null sends none. */
  readonly token?: string | null;
  readonly namespace?: string;
  readonly body?: unknown;
  readonly headers?: Readonly<Record<string, string>>;
}

export interface Deliberate {
  readonly fields: readonly Field[];
  readonly why: string;
}

export interface ContractRow {
  readonly name: string;
  readonly endpoint: Endpoint;
  readonly request: (server: ContractServer, fixtures: ContractFixtures) => RowRequest | Promise<RowRequest>;
  /** Sent while both servers are sealed. */
  readonly sealed?: boolean;
  readonly deliberate?: Deliberate;
}

/**
 * Differences in every response envelope rather than in one row: the key is dropped from the
 * dev Vault's answer before comparing, and must be there whenever OpenBao sent an envelope.
 */
export const ENVELOPE_DIFFERENCES: readonly { readonly key: string; readonly why: string }[] = [
  {
    key: 'mount_type',
    why: 'HashiCorp Vault (1.5+, vault-api.md) adds mount_type to every response envelope; OpenBao 2.7.2 does not',
  },
];

const HASHICORP_TOKEN_ERRORS =
  'an invalid token gets HashiCorp Vault’s "2 errors occurred: permission denied, invalid token" (vault-api.md §1.6); OpenBao, forked from Vault 1.14, says only "permission denied". Clients match on "permission denied".';
const HASHICORP_HEALTH_KEYS =
  'sys/health imitates HashiCorp Vault 1.19 Enterprise, which adds clock_skew_ms, echo_duration_ms, enterprise and performance_standby';
const OPENBAO_CLI_WARNING =
  'the KV v2 warning names the vendor’s CLI ("OpenBao CLI, bao kv get" vs "Vault CLI, vault kv get")';
const LIST_METHOD =
  'Node’s HTTP parser refuses the LIST method with a bare 400 before the dev Vault sees it; GET ?list=true (what the Go client sends) is covered by its own row';

const login = (path: string, jwt: (f: ContractFixtures) => string, role = 'app', namespace?: string) => {
  return (_server: ContractServer, fixtures: ContractFixtures): RowRequest => ({
    method: 'POST',
    path,
    token: null,
    body: { role, jwt: jwt(fixtures) },
    ...(namespace === undefined ? {} : { namespace }),
  });
};

const get = (path: string, token?: (s: ContractServer) => string | null, namespace?: string) => {
  return (server: ContractServer): RowRequest => ({
    method: 'GET',
    path,
    ...(token === undefined ? {} : { token: token(server) }),
    ...(namespace === undefined ? {} : { namespace }),
  });
};

const root = (server: ContractServer): string => server.root.token;

export const CONTRACT_ROWS: readonly ContractRow[] = [
  // --- login (auth/<mount>/login): kubernetes and jwt, and every refusal the provider maps ---
  { name: 'login-kubernetes-200', endpoint: 'login', request: login('auth/kubernetes/login', (f) => f.jwts.valid) },
  {
    name: 'login-kubernetes-400-invalid-role',
    endpoint: 'login',
    request: login('auth/kubernetes/login', (f) => f.jwts.valid, 'nope'),
  },
  {
    name: 'login-kubernetes-403-unbound-sa',
    endpoint: 'login',
    request: login('auth/kubernetes/login', (f) => f.jwts.unboundServiceAccount),
  },
  {
    name: 'login-kubernetes-403-unbound-namespace',
    endpoint: 'login',
    request: login('auth/kubernetes/login', (f) => f.jwts.unboundNamespace),
  },
  {
    name: 'login-kubernetes-403-wrong-audience',
    endpoint: 'login',
    request: login('auth/kubernetes/login', (f) => f.jwts.wrongAudience),
  },
  {
    name: 'login-kubernetes-bad-signature',
    endpoint: 'login',
    request: login('auth/kubernetes/login', (f) => f.jwts.badSignature),
  },
  {
    name: 'login-kubernetes-malformed-jwt',
    endpoint: 'login',
    request: login('auth/kubernetes/login', (f) => f.jwts.malformed),
  },
  {
    name: 'login-kubernetes-expired',
    endpoint: 'login',
    request: login('auth/kubernetes/login', (f) => f.jwts.expired200),
  },
  {
    name: 'login-kubernetes-missing-jwt',
    endpoint: 'login',
    request: () => ({ method: 'POST', path: 'auth/kubernetes/login', token: null, body: { role: 'app' } }),
  },
  { name: 'login-jwt-200', endpoint: 'login', request: login('auth/jwt/login', (f) => f.jwts.valid) },
  {
    name: 'login-jwt-400-invalid-role',
    endpoint: 'login',
    request: login('auth/jwt/login', (f) => f.jwts.valid, 'nope'),
  },
  {
    name: 'login-jwt-400-missing-role',
    endpoint: 'login',
    request: (_s, f) => ({ method: 'POST', path: 'auth/jwt/login', token: null, body: { jwt: f.jwts.valid } }),
  },
  {
    name: 'login-jwt-400-unbound-sa',
    endpoint: 'login',
    request: login('auth/jwt/login', (f) => f.jwts.unboundServiceAccount),
  },
  {
    name: 'login-jwt-400-wrong-audience',
    endpoint: 'login',
    request: login('auth/jwt/login', (f) => f.jwts.wrongAudience),
  },
  {
    name: 'login-jwt-bad-signature',
    endpoint: 'login',
    request: login('auth/jwt/login', (f) => f.jwts.badSignature),
  },
  {
    name: 'login-jwt-malformed-jwt',
    endpoint: 'login',
    request: login('auth/jwt/login', (f) => f.jwts.malformed),
  },
  { name: 'login-jwt-exp-30', endpoint: 'login', request: login('auth/jwt/login', (f) => f.jwts.expired30) },
  {
    name: 'login-jwt-exp-100',
    endpoint: 'login',
    request: login('auth/jwt/login', (f) => f.jwts.expired100),
    deliberate: {
      fields: ['status', 'errors', 'keys'],
      why: 'the dev Vault keeps the jwt plugin’s documented default expiration_leeway of 150 s (HashiCorp Vault); OpenBao 2.7.2 refuses a token expired 100 s ago',
    },
  },
  { name: 'login-jwt-exp-200', endpoint: 'login', request: login('auth/jwt/login', (f) => f.jwts.expired200) },
  {
    name: 'login-jwt-missing-jwt',
    endpoint: 'login',
    request: () => ({ method: 'POST', path: 'auth/jwt/login', token: null, body: { role: 'app' } }),
  },
  {
    name: 'login-nomount-400',
    endpoint: 'login',
    request: login('auth/nomount/login', (f) => f.jwts.valid),
  },
  {
    name: 'login-GET-405',
    endpoint: 'login',
    request: () => ({ method: 'GET', path: 'auth/jwt/login', token: null }),
  },
  {
    name: 'ns-login-jwt-200',
    endpoint: 'login',
    request: login('auth/jwt/login', (f) => f.jwts.valid, 'app', 'team1'),
  },
  {
    name: 'ns-login-unknown-namespace-404',
    endpoint: 'login',
    request: login('auth/jwt/login', (f) => f.jwts.valid, 'app', 'nope'),
  },

  // --- reads: KV v2, KV v1, policies, tokens, namespaces, odd paths ---
  { name: 'kv2-read-200', endpoint: 'read', request: get('secret/data/myapp/prod') },
  { name: 'kv2-read-version-200', endpoint: 'read', request: get('secret/data/myapp/prod?version=2') },
  { name: 'kv2-read-version0', endpoint: 'read', request: get('secret/data/myapp/prod?version=0') },
  { name: 'kv2-read-version-negative', endpoint: 'read', request: get('secret/data/myapp/prod?version=-1') },
  { name: 'kv2-read-bad-version-400', endpoint: 'read', request: get('secret/data/myapp/prod?version=abc') },
  { name: 'kv2-read-deleted-version-404', endpoint: 'read', request: get('secret/data/myapp/prod?version=1') },
  { name: 'kv2-read-nonexistent-version-404', endpoint: 'read', request: get('secret/data/myapp/prod?version=99') },
  { name: 'kv2-read-latest-deleted-404', endpoint: 'read', request: get('secret/data/myapp/gone') },
  { name: 'kv2-read-missing-404', endpoint: 'read', request: get('secret/data/myapp/missing') },
  { name: 'kv2-read-unknown-param-warning', endpoint: 'read', request: get('secret/data/myapp/prod?foo=bar') },
  { name: 'kv2-read-root-of-mount', endpoint: 'read', request: get('secret/data/', root) },
  { name: 'kv2-read-mount-root-noslash', endpoint: 'read', request: get('secret/data', root) },
  { name: 'kv2-read-403-policy', endpoint: 'read', request: get('secret/data/forbidden/x') },
  { name: 'kv2-read-without-data-prefix', endpoint: 'read', request: get('secret/myapp/prod') },
  {
    name: 'kv2-read-without-data-prefix-root',
    endpoint: 'read',
    request: get('secret/myapp/prod', root),
    deliberate: { fields: ['warnings'], why: OPENBAO_CLI_WARNING },
  },
  {
    name: 'kv2-metadata-read-200',
    endpoint: 'read',
    request: get('secret/metadata/myapp/prod'),
    deliberate: {
      fields: ['dataKeys'],
      why: 'OpenBao adds current_metadata_version and metadata_cas_required to KV v2 metadata; the dev Vault answers as HashiCorp Vault',
    },
  },
  { name: 'kv2-list-via-get', endpoint: 'read', request: get('secret/metadata/myapp?list=true', root) },
  {
    name: 'LIST-kv2-metadata-200',
    endpoint: 'read',
    request: (server) => ({ method: 'LIST', path: 'secret/metadata/myapp', token: server.root.token }),
    deliberate: { fields: ['status', 'keys', 'dataKeys'], why: LIST_METHOD },
  },
  { name: 'kv1-read-200', endpoint: 'read', request: get('kv/app1') },
  { name: 'kv1-read-404', endpoint: 'read', request: get('kv/missing') },
  { name: 'kv1-list-empty-404', endpoint: 'read', request: get('kv/nothing-here?list=true') },
  { name: 'read-403-no-token', endpoint: 'read', request: get('secret/data/myapp/prod', () => null) },
  {
    name: 'read-403-garbage-token',
    endpoint: 'read',
    request: get('secret/data/myapp/prod', () => 's.garbage'),
    deliberate: { fields: ['errors'], why: HASHICORP_TOKEN_ERRORS },
  },
  {
    name: 'read-403-revoked-token',
    endpoint: 'read',
    request: get('secret/data/myapp/prod', (s) => s.revokedToken),
    deliberate: { fields: ['errors'], why: HASHICORP_TOKEN_ERRORS },
  },
  { name: 'read-404-unmounted-path', endpoint: 'read', request: get('nomount/x') },
  { name: 'read-unmounted-root-token', endpoint: 'read', request: get('nomount/x', root) },
  { name: 'ns-kv2-read-200', endpoint: 'read', request: get('secret/data/app/cfg', (s) => s.namespaceToken, 'team1') },
  {
    name: 'ns-kv2-read-path-prefix-200',
    endpoint: 'read',
    request: get('team1/secret/data/app/cfg', (s) => s.namespaceToken),
  },
  {
    name: 'ns-read-root-namespace-token-in-child',
    endpoint: 'read',
    request: get('secret/data/app/cfg', (s) => s.appToken, 'team1'),
    deliberate: { fields: ['errors'], why: HASHICORP_TOKEN_ERRORS },
  },
  {
    name: 'ns-read-token-without-namespace-header',
    endpoint: 'read',
    request: get('secret/data/app/cfg', (s) => s.namespaceToken),
    deliberate: { fields: ['errors'], why: HASHICORP_TOKEN_ERRORS },
  },
  { name: 'ns-read-unknown-namespace', endpoint: 'read', request: get('secret/data/app/cfg', undefined, 'nope') },
  { name: 'ns-read-unknown-namespace-root', endpoint: 'read', request: get('secret/data/app/cfg', root, 'nope') },
  { name: 'dotdot-path', endpoint: 'read', request: get('secret/data/../data/myapp/prod') },
  { name: 'double-slash-path', endpoint: 'read', request: get('secret//data/myapp/prod') },
  {
    name: 'HEAD-kv2-read',
    endpoint: 'read',
    request: (server) => ({ method: 'HEAD', path: 'secret/data/myapp/prod', token: server.appToken }),
  },
  {
    name: 'HEAD-kv2-read-root-token',
    endpoint: 'read',
    request: (server) => ({ method: 'HEAD', path: 'secret/data/myapp/prod', token: server.root.token }),
  },
  {
    name: 'wrap-ttl-kv2-read',
    endpoint: 'read',
    request: (server) => ({
      method: 'GET',
      path: 'secret/data/myapp/prod',
      token: server.appToken,
      headers: { 'x-vault-wrap-ttl': '60' },
    }),
    deliberate: {
      fields: ['status', 'errors', 'keys'],
      why: 'the dev Vault does not implement response wrapping (its README lists the gap); the provider never asks for it and refuses a wrapped answer',
    },
  },

  // --- PKI issue (PUT/POST with secretArgs) ---
  {
    name: 'pki-issue-200-put',
    endpoint: 'pki issue',
    request: () => ({ method: 'PUT', path: 'pki/issue/web', body: { common_name: 'a.example.com', ttl: '1h' } }),
    deliberate: {
      fields: ['dataKeys'],
      why: 'OpenBao adds not_before to an issued certificate; the dev Vault answers as HashiCorp Vault',
    },
  },
  {
    name: 'pki-issue-200-post',
    endpoint: 'pki issue',
    request: () => ({ method: 'POST', path: 'pki/issue/web', body: { common_name: 'b.example.com' } }),
    deliberate: { fields: ['dataKeys'], why: 'OpenBao adds not_before (see pki-issue-200-put)' },
  },
  {
    name: 'pki-issue-200-generate-lease',
    endpoint: 'pki issue',
    request: () => ({ method: 'PUT', path: 'pki/issue/leased', body: { common_name: 'y.example.com' } }),
    deliberate: { fields: ['dataKeys'], why: 'OpenBao adds not_before (see pki-issue-200-put)' },
  },
  {
    name: 'pki-issue-200-ttl-over-max-warning',
    endpoint: 'pki issue',
    request: () => ({ method: 'PUT', path: 'pki/issue/web', body: { common_name: 'x.example.com', ttl: '100h' } }),
    deliberate: { fields: ['dataKeys'], why: 'OpenBao adds not_before (see pki-issue-200-put)' },
  },
  {
    name: 'pki-issue-400-disallowed-cn',
    endpoint: 'pki issue',
    request: () => ({ method: 'PUT', path: 'pki/issue/web', body: { common_name: 'evil.other.org' } }),
  },
  {
    name: 'pki-issue-400-missing-cn',
    endpoint: 'pki issue',
    request: () => ({ method: 'PUT', path: 'pki/issue/web', body: {} }),
  },
  {
    name: 'pki-issue-unknown-role',
    endpoint: 'pki issue',
    request: () => ({ method: 'PUT', path: 'pki/issue/nope', body: { common_name: 'a.example.com' } }),
  },
  { name: 'pki-issue-GET', endpoint: 'pki issue', request: get('pki/issue/web') },

  // --- database credentials ---
  { name: 'database-creds-200', endpoint: 'database creds', request: get('database/creds/app') },
  { name: 'database-creds-404-unknown-role', endpoint: 'database creds', request: get('database/creds/nope') },
  {
    name: 'database-creds-POST',
    endpoint: 'database creds',
    request: () => ({ method: 'POST', path: 'database/creds/app', body: {} }),
  },

  // --- lease renewal, lookup and revocation ---
  {
    name: 'sys-leases-renew-200',
    endpoint: 'sys/leases/renew',
    request: async (s) => ({
      method: 'PUT',
      path: 'sys/leases/renew',
      body: { lease_id: await s.newLease(), increment: 120 },
    }),
  },
  {
    name: 'sys-leases-renew-no-increment-200',
    endpoint: 'sys/leases/renew',
    request: async (s) => ({ method: 'PUT', path: 'sys/leases/renew', body: { lease_id: await s.newLease() } }),
  },
  {
    name: 'sys-leases-renew-200-beyond-max',
    endpoint: 'sys/leases/renew',
    request: async (s) => ({
      method: 'PUT',
      path: 'sys/leases/renew',
      body: { lease_id: await s.newLease(), increment: 100_000 },
    }),
  },
  {
    name: 'sys-leases-renew-unknown-lease',
    endpoint: 'sys/leases/renew',
    request: () => ({
      method: 'PUT',
      path: 'sys/leases/renew',
      body: { lease_id: 'database/creds/app/doesnotexist', increment: 60 },
    }),
  },
  {
    name: 'sys-leases-renew-after-revoke',
    endpoint: 'sys/leases/renew',
    request: async (s) => ({
      method: 'PUT',
      path: 'sys/leases/renew',
      body: { lease_id: await s.revokedLease(), increment: 120 },
    }),
  },
  {
    name: 'sys-leases-renew-other-tokens-lease',
    endpoint: 'sys/leases/renew',
    request: async (s) => ({
      method: 'PUT',
      path: 'sys/leases/renew',
      token: s.appToken,
      body: { lease_id: await s.newLease(s.root.token), increment: 60 },
    }),
  },
  {
    name: 'sys-leases-renew-url-suffix',
    endpoint: 'sys/leases/renew',
    request: async (s) => ({ method: 'PUT', path: `sys/leases/renew/${await s.newLease()}`, body: {} }),
  },
  {
    name: 'sys-leases-lookup-200',
    endpoint: 'sys/leases/lookup',
    request: async (s) => ({ method: 'PUT', path: 'sys/leases/lookup', body: { lease_id: await s.newLease() } }),
  },
  {
    name: 'sys-leases-lookup-after-revoke',
    endpoint: 'sys/leases/lookup',
    request: async (s) => ({ method: 'PUT', path: 'sys/leases/lookup', body: { lease_id: await s.revokedLease() } }),
  },
  {
    name: 'sys-leases-revoke-204',
    endpoint: 'sys/leases/revoke',
    request: async (s) => ({ method: 'PUT', path: 'sys/leases/revoke', body: { lease_id: await s.newLease() } }),
  },
  {
    name: 'sys-leases-revoke-again',
    endpoint: 'sys/leases/revoke',
    request: async (s) => ({ method: 'PUT', path: 'sys/leases/revoke', body: { lease_id: await s.revokedLease() } }),
  },
  {
    name: 'sys-leases-revoke-unknown-lease-204',
    endpoint: 'sys/leases/revoke',
    request: () => ({ method: 'PUT', path: 'sys/leases/revoke', body: { lease_id: 'database/creds/app/unknown' } }),
  },
  {
    name: 'sys-leases-revoke-missing-lease-id',
    endpoint: 'sys/leases/revoke',
    request: () => ({ method: 'PUT', path: 'sys/leases/revoke', body: {} }),
  },
  {
    name: 'sys-leases-revoke-403-no-policy',
    endpoint: 'sys/leases/revoke',
    request: async (s) => ({
      method: 'PUT',
      path: 'sys/leases/revoke',
      token: s.defaultToken,
      body: { lease_id: await s.newLease() },
    }),
  },

  // --- the pod token kept alive: renew-self ---
  {
    name: 'auth-token-renew-self-200',
    endpoint: 'auth/token/renew-self',
    request: () => ({ method: 'POST', path: 'auth/token/renew-self', body: { increment: 3600 } }),
  },
  {
    name: 'renew-self-PUT',
    endpoint: 'auth/token/renew-self',
    request: () => ({ method: 'PUT', path: 'auth/token/renew-self', body: { increment: 60 } }),
  },
  {
    name: 'renew-self-no-increment',
    endpoint: 'auth/token/renew-self',
    request: () => ({ method: 'POST', path: 'auth/token/renew-self', body: {} }),
  },
  {
    name: 'renew-self-403-revoked-token',
    endpoint: 'auth/token/renew-self',
    request: (s) => ({ method: 'POST', path: 'auth/token/renew-self', token: s.revokedToken, body: { increment: 60 } }),
    deliberate: { fields: ['errors'], why: HASHICORP_TOKEN_ERRORS },
  },
  {
    name: 'ns-renew-self-200',
    endpoint: 'auth/token/renew-self',
    request: (s) => ({
      method: 'POST',
      path: 'auth/token/renew-self',
      token: s.namespaceToken,
      namespace: 'team1',
      body: { increment: 600 },
    }),
  },
  {
    name: 'ns-renew-self-without-header',
    endpoint: 'auth/token/renew-self',
    request: (s) => ({
      method: 'POST',
      path: 'auth/token/renew-self',
      token: s.namespaceToken,
      body: { increment: 600 },
    }),
  },

  // --- sys/health (the circuit breaker's probe) and the check command's capabilities ---
  {
    name: 'sys-health-200',
    endpoint: 'sys/health',
    request: get('sys/health', () => null),
    deliberate: { fields: ['keys'], why: HASHICORP_HEALTH_KEYS },
  },
  {
    name: 'sys-health-200-standbyok',
    endpoint: 'sys/health',
    request: get('sys/health?standbyok=true&perfstandbyok=true', () => null),
    deliberate: { fields: ['keys'], why: HASHICORP_HEALTH_KEYS },
  },
  {
    name: 'sys-health-HEAD',
    endpoint: 'sys/health',
    request: () => ({ method: 'HEAD', path: 'sys/health', token: null }),
  },
  { name: 'ns-sys-health-with-header', endpoint: 'sys/health', request: get('sys/health', () => null, 'team1') },
  {
    name: 'sys-capabilities-self-200',
    endpoint: 'sys/capabilities-self',
    request: () => ({
      method: 'POST',
      path: 'sys/capabilities-self',
      body: { paths: ['secret/data/myapp/prod', 'secret/data/forbidden/x', 'pki/issue/web'] },
    }),
  },

  // --- the mount behind a refused path (the KV v2 "data/" hint) ---
  {
    name: 'sys-internal-ui-mounts-secret-app-token',
    endpoint: 'sys/internal/ui/mounts',
    request: get('sys/internal/ui/mounts/secret/myapp/prod'),
  },
  {
    name: 'sys-internal-ui-mounts-secret-root',
    endpoint: 'sys/internal/ui/mounts',
    request: get('sys/internal/ui/mounts/secret/myapp/prod', root),
  },
  {
    name: 'sys-internal-ui-mounts-kv1-app-token',
    endpoint: 'sys/internal/ui/mounts',
    request: get('sys/internal/ui/mounts/kv/app1'),
  },
  {
    name: 'sys-internal-ui-mounts-forbidden-path',
    endpoint: 'sys/internal/ui/mounts',
    request: get('sys/internal/ui/mounts/secret/forbidden/x'),
  },
  {
    name: 'sys-internal-ui-mounts-unmounted',
    endpoint: 'sys/internal/ui/mounts',
    request: get('sys/internal/ui/mounts/nomount/x'),
  },
  {
    name: 'sys-internal-ui-mounts-no-token',
    endpoint: 'sys/internal/ui/mounts',
    request: get('sys/internal/ui/mounts/secret/myapp/prod', () => null),
  },
  {
    name: 'sys-internal-ui-mounts-garbage-token',
    endpoint: 'sys/internal/ui/mounts',
    request: get('sys/internal/ui/mounts/secret/myapp/prod', () => 's.garbage'),
    deliberate: { fields: ['errors'], why: HASHICORP_TOKEN_ERRORS },
  },
  {
    name: 'ns-sys-internal-ui-mounts',
    endpoint: 'sys/internal/ui/mounts',
    request: get('sys/internal/ui/mounts/secret/app/cfg', (s) => s.namespaceToken, 'team1'),
  },

  // --- sealed ---
  { name: 'sealed-kv2-read-503', endpoint: 'read', sealed: true, request: get('secret/data/myapp/prod') },
  {
    name: 'sealed-kv2-read-no-token-503',
    endpoint: 'read',
    sealed: true,
    request: get('secret/data/myapp/prod', () => null),
  },
  {
    name: 'sealed-login-kubernetes-503',
    endpoint: 'login',
    sealed: true,
    request: login('auth/kubernetes/login', (f) => f.jwts.valid),
  },
  {
    name: 'sealed-login-jwt-503',
    endpoint: 'login',
    sealed: true,
    request: login('auth/jwt/login', (f) => f.jwts.valid),
  },
  {
    name: 'sealed-ns-login-503',
    endpoint: 'login',
    sealed: true,
    request: login('auth/jwt/login', (f) => f.jwts.valid, 'app', 'team1'),
  },
  {
    name: 'sealed-renew-self-503',
    endpoint: 'auth/token/renew-self',
    sealed: true,
    request: () => ({ method: 'POST', path: 'auth/token/renew-self', body: { increment: 60 } }),
  },
  {
    name: 'sealed-sys-leases-renew-503',
    endpoint: 'sys/leases/renew',
    sealed: true,
    request: () => ({
      method: 'PUT',
      path: 'sys/leases/renew',
      body: { lease_id: 'database/creds/app/x', increment: 60 },
    }),
  },
  {
    name: 'sealed-sys-leases-revoke-503',
    endpoint: 'sys/leases/revoke',
    sealed: true,
    request: () => ({ method: 'PUT', path: 'sys/leases/revoke', body: { lease_id: 'database/creds/app/x' } }),
  },
  {
    name: 'sealed-sys-health-503',
    endpoint: 'sys/health',
    sealed: true,
    request: get('sys/health', () => null),
    deliberate: { fields: ['keys'], why: HASHICORP_HEALTH_KEYS },
  },
  {
    name: 'sealed-sys-health-standbyok',
    endpoint: 'sys/health',
    sealed: true,
    request: get('sys/health?standbyok=true&perfstandbyok=true', () => null),
    deliberate: { fields: ['keys'], why: HASHICORP_HEALTH_KEYS },
  },
  {
    name: 'sealed-sys-health-HEAD',
    endpoint: 'sys/health',
    sealed: true,
    request: () => ({ method: 'HEAD', path: 'sys/health', token: null }),
  },
  {
    name: 'sealed-ui-mounts-503',
    endpoint: 'sys/internal/ui/mounts',
    sealed: true,
    request: get('sys/internal/ui/mounts/secret/myapp/prod'),
  },
  {
    name: 'sealed-ns-sys-health',
    endpoint: 'sys/health',
    sealed: true,
    request: get('sys/health', () => null, 'team1'),
  },
];
