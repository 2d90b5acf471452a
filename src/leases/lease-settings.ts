/**
 * The lease cache's settings (per process, from flags: `config/lease-flags.ts`) and their
 * defaults, owned here beside the code that uses them.
 */

export interface LeaseSettings {
  /** Maximum cached dynamic credentials (about one per pod and dynamic request on this node); 0 disables the cache. */
  readonly cacheSize: number;
  /** Bytes the cached credentials may take together (their Vault answers); the least recently served go first. */
  readonly cacheMaxBytes: number;
  /** Percent of a lease's TTL after which it is renewed. */
  readonly renewalPercent: number;
  /** Percent of a certificate's lifetime after which it is re-issued. */
  readonly certificateRenewalPercent: number;
  /** Watch this node's pods and revoke the leases of deleted ones. */
  readonly revokeDeletedPods: boolean;
  readonly revocationGracePeriodMs: number;
  /** This node's name (downward API, `NODE_NAME`): the watch's field selector. */
  readonly nodeName?: string;
  /** Node-local directory for the encrypted lease state; absent: no persistence. */
  readonly stateDir?: string;
  /** File with the 32-byte AES-256-GCM key of the state (a mounted Secret). */
  readonly stateKeyFile?: string;
}

export const LEASE_DEFAULTS = {
  cacheSize: 10_000,
  // A database credential or certificate answer is 1-10 KB: 10 000 of them fit several times over.
  cacheMaxBytes: 64 * 1024 * 1024,
  /** Two thirds, as Vault Agent renews. */
  renewalPercent: 200 / 3,
  certificateRenewalPercent: 200 / 3,
  revocationGracePeriodMs: 30_000,
} as const;
