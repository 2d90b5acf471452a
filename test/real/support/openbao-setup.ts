/**
 * What an operator configures on OpenBao for the provider (docs/vault-setup.md), as API calls
 * any Vault-API server accepts: auth methods and roles, policies, KV v1/v2, PKI and the database
 * engine on a real PostgreSQL. Each takes an optional namespace. Used per test file.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { VaultApi } from './vault-api.js';

export interface KubernetesAuthConfig {
  /** Where OpenBao sends TokenReview: the fixture, or a real kube-apiserver. */
  readonly kubernetesHost: string;
  /** The API server's CA. Required even for http:// (OpenBao runs outside any pod: no pod CA). */
  readonly kubernetesCaPem: string;
  /** Checked against the JWT's `iss` when set. */
  readonly issuer?: string;
  /**
   * The bearer of OpenBao's TokenReview calls (a ServiceAccount bound to system:auth-delegator);
   * absent: each pod's own JWT, which a real API server accepts only if its audience is the
   * server's own.
   */
  readonly tokenReviewerJwt?: string;
}

export interface KubernetesRole {
  readonly serviceAccountNames: readonly string[];
  readonly namespaces: readonly string[];
  readonly policies: readonly string[];
  readonly audience?: string;
  readonly ttl?: string;
  readonly maxTtl?: string;
}

export interface JwtRole {
  readonly boundAudiences: readonly string[];
  readonly boundSubject?: string;
  readonly policies: readonly string[];
  readonly ttl?: string;
}

export interface DatabaseRole {
  readonly defaultTtl: string;
  readonly maxTtl: string;
}

/** `{ path: capabilities }` → HCL. */
export function policyHcl(rules: Readonly<Record<string, readonly string[]>>): string {
  return Object.entries(rules)
    .map(
      ([path, capabilities]) => `path ${JSON.stringify(path)} {\n  capabilities = ${JSON.stringify(capabilities)}\n}\n`,
    )
    .join('\n');
}

export class OpenBaoSetup {
  constructor(
    private readonly api: VaultApi,
    private readonly namespace?: string,
  ) {}

  /** The same operations inside a namespace. */
  inNamespace(namespace: string): OpenBaoSetup {
    return new OpenBaoSetup(this.api, namespace);
  }

  private write(path: string, body: unknown = {}): Promise<Record<string, unknown> | undefined> {
    return this.api.write(path, body, this.namespace);
  }

  async enableKubernetesAuth(mount: string, config: KubernetesAuthConfig): Promise<void> {
    await this.write(`sys/auth/${mount}`, { type: 'kubernetes' });
    await this.configureKubernetesAuth(mount, config);
  }

  /** (Re)points kubernetes auth at an API server, e.g. a real kube-apiserver with its CA. */
  async configureKubernetesAuth(mount: string, config: KubernetesAuthConfig): Promise<void> {
    await this.write(`auth/${mount}/config`, {
      kubernetes_host: config.kubernetesHost,
      kubernetes_ca_cert: config.kubernetesCaPem,
      // OpenBao runs on the test machine, not in a pod: there is no local CA or JWT to fall back on.
      disable_local_ca_jwt: true,
      ...(config.tokenReviewerJwt === undefined ? {} : { token_reviewer_jwt: config.tokenReviewerJwt }),
      ...(config.issuer === undefined ? {} : { issuer: config.issuer }),
    });
  }

  async writeKubernetesRole(mount: string, name: string, role: KubernetesRole): Promise<void> {
    await this.write(`auth/${mount}/role/${name}`, {
      bound_service_account_names: role.serviceAccountNames,
      bound_service_account_namespaces: role.namespaces,
      audience: role.audience ?? 'vault',
      token_policies: role.policies,
      token_ttl: role.ttl ?? '1h',
      ...(role.maxTtl === undefined ? {} : { token_max_ttl: role.maxTtl }),
    });
  }

  async enableJwtAuth(mount: string, config: { publicKeysPem: readonly string[]; issuer?: string }): Promise<void> {
    await this.write(`sys/auth/${mount}`, { type: 'jwt' });
    await this.write(`auth/${mount}/config`, {
      jwt_validation_pubkeys: config.publicKeysPem,
      ...(config.issuer === undefined ? {} : { bound_issuer: config.issuer }),
    });
  }

  async writeJwtRole(mount: string, name: string, role: JwtRole): Promise<void> {
    await this.write(`auth/${mount}/role/${name}`, {
      role_type: 'jwt',
      user_claim: 'sub',
      bound_audiences: role.boundAudiences,
      ...(role.boundSubject === undefined ? {} : { bound_subject: role.boundSubject }),
      token_policies: role.policies,
      token_ttl: role.ttl ?? '1h',
    });
  }

  async writePolicy(name: string, rules: Readonly<Record<string, readonly string[]>>): Promise<void> {
    await this.write(`sys/policies/acl/${name}`, { policy: policyHcl(rules) });
  }

  async enableKv(mount: string, version: 1 | 2): Promise<void> {
    await this.write(`sys/mounts/${mount}`, { type: 'kv', options: { version: String(version) } });
  }

  /** One version of a KV v2 secret (`mount` must be KV v2); returns the new version number. */
  async writeKv2(mount: string, path: string, data: Record<string, unknown>): Promise<number> {
    // A KV v2 mount just enabled answers 400 "Upgrading from non-versioned to versioned data"
    // for a moment (seen in a namespace under load): the mount is not ready yet, so wait for it.
    for (let attempt = 1; ; attempt += 1) {
      try {
        const answer = await this.write(`${mount}/data/${path}`, { data });
        return (answer?.data as { version: number }).version;
      } catch (error) {
        const upgrading = error instanceof Error && error.message.includes('Upgrading from non-versioned to versioned');
        if (!upgrading || attempt >= 100) throw error;
        await sleep(100);
      }
    }
  }

  async writeKv1(mount: string, path: string, data: Record<string, unknown>): Promise<void> {
    await this.write(`${mount}/${path}`, data);
  }

  /** A PKI mount with a generated root CA; returns the CA certificate (PEM). */
  async enablePki(mount: string, maxTtl = '8760h'): Promise<string> {
    await this.write(`sys/mounts/${mount}`, { type: 'pki', config: { max_lease_ttl: maxTtl } });
    const root = await this.write(`${mount}/root/generate/internal`, { common_name: 'openbao test root', ttl: maxTtl });
    return (root?.data as { certificate: string }).certificate;
  }

  async writePkiRole(
    mount: string,
    name: string,
    role: { allowedDomains: readonly string[]; maxTtl: string; generateLease?: boolean },
  ): Promise<void> {
    await this.write(`${mount}/roles/${name}`, {
      allowed_domains: role.allowedDomains,
      allow_subdomains: true,
      max_ttl: role.maxTtl,
      key_type: 'ec',
      key_bits: 256,
      generate_lease: role.generateLease ?? false,
    });
  }

  /** The database engine with a connection to PostgreSQL (`name`), for roles named below. */
  async enableDatabase(
    mount: string,
    name: string,
    postgres: { connectionUrl: string; user: string; password: string },
  ): Promise<void> {
    await this.write(`sys/mounts/${mount}`, { type: 'database' });
    await this.write(`${mount}/config/${name}`, {
      plugin_name: 'postgresql-database-plugin',
      connection_url: postgres.connectionUrl,
      username: postgres.user,
      password: postgres.password,
      allowed_roles: '*',
    });
  }

  /** A role issuing PostgreSQL login roles that expire with their lease. */
  async writeDatabaseRole(mount: string, connection: string, name: string, role: DatabaseRole): Promise<void> {
    await this.write(`${mount}/roles/${name}`, {
      db_name: connection,
      creation_statements: [
        `CREATE ROLE "{{name}}" WITH LOGIN PASSWORD '{{password}}' VALID UNTIL '{{expiration}}';`,
        `GRANT CONNECT ON DATABASE postgres TO "{{name}}";`,
      ],
      default_ttl: role.defaultTtl,
      max_ttl: role.maxTtl,
    });
  }
}
