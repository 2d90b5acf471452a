/**
 * A Vault-API-compatible dev server for tests and the demo (DESIGN.md §7). Wire behaviour follows
 * shared/reference/vault-api.md; where it differs from real Vault, that is a bug here.
 *
 *   const vault = await startDevVault({ tls: true });
 *   vault.writeKv('secret', 'app', { password: 'x' });
 *   // GET `${vault.address}/v1/secret/data/app` with X-Vault-Token: vault.rootToken
 *   await vault.stop();
 */
import { createAdmin, type DevVaultAdmin } from './admin.js';
import { VaultCore } from './core.js';
import { FaultInjector, type Fault } from './faults.js';
import { PkiEngine } from './pki.js';
import { RequestStats, startServer, type RequestRecord } from './server.js';
import type { NamespaceState } from './state.js';
import { createTlsMaterial, removeTlsMaterial, type DevVaultTlsMaterial } from './tls-material.js';

export type { DevVaultAdmin, JwtRoleSpec, KubernetesRoleSpec, PkiRoleSpec } from './admin.js';
export type { DatabaseRole } from './database.js';
export type { Fault } from './faults.js';
export type { RequestRecord } from './server.js';
export type { DevVaultTlsMaterial } from './tls-material.js';

export interface DevVaultOptions {
  /** Default false = plain HTTP on 127.0.0.1. */
  tls?: boolean | { requireClientCert?: boolean };
  /** Default 0 (ephemeral). */
  port?: number;
  /** Default 'root'. */
  rootToken?: string;
  /** Clock in ms, default Date.now; tests control token/lease time with it. */
  now?: () => number;
}

export interface DevVaultStats {
  /** Every request received, in arrival order (status 0 until answered, or if dropped/hung). */
  readonly requests: RequestRecord[];
  readonly inFlight: number;
  readonly peakInFlight: number;
  /** Successful + failed login attempts. */
  readonly logins: number;
  /** Dynamic-secret leases issued (database creds, PKI with generate_lease). */
  readonly leasesIssued: number;
  readonly certificatesIssued: number;
  /** Clears requests, peak, logins, leasesIssued and certificatesIssued. */
  reset(): void;
}

export interface DevVault extends DevVaultAdmin {
  readonly address: string;
  readonly rootToken: string;
  readonly tls?: DevVaultTlsMaterial;
  readonly stats: DevVaultStats;
  /** PEM of the root CA of the pre-mounted `pki/` engine. */
  readonly pkiCaPem: string;
  /** Enterprise-style namespace; X-Vault-Namespace selects it. Starts with `secret/` (KV v2) and `default`. */
  createNamespace(path: string): void;
  /** The admin helpers acting inside a namespace (created first if needed). */
  inNamespace(path: string): DevVaultAdmin;
  /** Alias of `inNamespace`. */
  namespace(path: string): DevVaultAdmin;
  /** Values of every non-root token issued so far, live or not (e.g. to grep logs for leaks). */
  issuedTokens(): string[];
  /** Values of the non-root tokens still valid now (e.g. to revoke them all). */
  listTokens(): string[];
  setFault(fault: Fault | null): void;
  /** Whether a database username still "exists": false after revoke, expiry, or its token's death. */
  isCredentialValid(username: string): boolean;
  /** Revoke a token as an operator would (its leases die with it). */
  revokeToken(token: string): void;
  /** Closes the server and all sockets, removes the TLS temp dir. */
  stop(): Promise<void>;
}

export async function startDevVault(options: DevVaultOptions = {}): Promise<DevVault> {
  const now = options.now ?? Date.now;
  const rootToken = options.rootToken ?? 'root';
  const core = await VaultCore.create(now, rootToken);
  const requireClientCert = typeof options.tls === 'object' && options.tls.requireClientCert === true;
  const bundle = options.tls === undefined || options.tls === false ? undefined : await createTlsMaterial(now());
  const faults = new FaultInjector((sealed) => {
    core.sealed = sealed;
  });
  const requestStats = new RequestStats();
  let leaseBase = 0;
  let certBase = 0;
  const running = await startServer({
    core,
    faults,
    stats: requestStats,
    port: options.port ?? 0,
    tls:
      bundle === undefined
        ? undefined
        : {
            certPem: bundle.serverCertPem,
            keyPem: bundle.serverKeyPem,
            caPem: bundle.material.caCertPem,
            requireClientCert,
          },
  });

  const stats: DevVaultStats = {
    get requests() {
      return requestStats.requests;
    },
    get inFlight() {
      return requestStats.inFlight;
    },
    get peakInFlight() {
      return requestStats.peakInFlight;
    },
    get logins() {
      return requestStats.logins;
    },
    get leasesIssued() {
      return core.leases.issued - leaseBase;
    },
    get certificatesIssued() {
      return core.counters.certificatesIssued - certBase;
    },
    reset() {
      requestStats.requests = [];
      requestStats.peakInFlight = requestStats.inFlight;
      requestStats.logins = 0;
      leaseBase = core.leases.issued;
      certBase = core.counters.certificatesIssued;
    },
  };

  const namespaceAt = (path: string) => (): NamespaceState => {
    const state = core.namespaces.get(path);
    if (state === undefined) throw new Error(`namespace ${JSON.stringify(path)} does not exist`);
    return state;
  };
  const rootAdmin = createAdmin(core, () => core.namespaces.root);
  const pki = core.namespaces.root.mounts.get('pki/')?.engine;
  let stopped: Promise<void> | undefined;

  const vault: DevVault = {
    ...rootAdmin,
    address: `${bundle === undefined ? 'http' : 'https'}://127.0.0.1:${running.port}`,
    rootToken,
    ...(bundle === undefined ? {} : { tls: bundle.material }),
    stats,
    pkiCaPem: pki instanceof PkiEngine ? pki.caPem : '',
    createNamespace(path) {
      const parts = path.split('/').filter((p) => p !== '');
      for (let i = 1; i <= parts.length; i += 1) core.namespaces.create(parts.slice(0, i).join('/'));
    },
    inNamespace(path) {
      vault.createNamespace(path);
      return createAdmin(core, namespaceAt(path.replace(/^\/+|\/+$/g, '')));
    },
    namespace(path) {
      return vault.inNamespace(path);
    },
    issuedTokens() {
      return core.tokens
        .all()
        .filter((t) => t.id !== rootToken)
        .map((t) => t.id);
    },
    listTokens() {
      return core.tokens
        .all()
        .filter((t) => t.id !== rootToken && core.tokens.isAlive(t))
        .map((t) => t.id);
    },
    setFault(fault) {
      faults.set(fault);
    },
    isCredentialValid(username) {
      const lease = core.leases.findBySubject(username);
      return lease?.engine === 'database' && core.leases.isAlive(lease);
    },
    revokeToken(token) {
      core.tokens.revoke(token);
    },
    stop() {
      stopped ??= (async () => {
        faults.set(null);
        await running.close();
        if (bundle !== undefined) await removeTlsMaterial(bundle.material);
      })();
      return stopped;
    },
  };
  return vault;
}
