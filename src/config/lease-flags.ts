/**
 * The flags of the lease cache (docs/leases.md) and their parsing into `LeaseSettings` (which,
 * with its defaults, `leases/` owns). A malformed value stops the provider at start.
 */
import { LEASE_DEFAULTS, type LeaseSettings } from '../leases/lease-settings.js';
import { ConfigError, FlagValues } from './command-line.js';

export const LEASE_FLAGS = {
  'lease-cache-max-bytes': {
    help: `Bytes the cached dynamic credentials may take together; the least recently served are dropped beyond it (default ${LEASE_DEFAULTS.cacheMaxBytes})`,
  },
  'lease-cache-size': {
    help: `Maximum cached dynamic credentials and certificates; 0 disables the lease cache, so every Mount issues new ones (default ${LEASE_DEFAULTS.cacheSize})`,
  },
  'lease-renewal-percent': {
    help: `Percent of a lease's TTL after which it is renewed, 1-99, with jitter (default two thirds, 66.7)`,
  },
  'certificate-renewal-percent': {
    help: `Percent of a certificate's lifetime after which it is re-issued, 1-99 (default two thirds, 66.7)`,
  },
  'revoke-leases-of-deleted-pods': {
    boolean: true,
    help: 'Watch the pods on this node (-node-name) and revoke the leases of deleted pods (needs list/watch on pods)',
  },
  'lease-revocation-grace-period': {
    help: 'Time between a pod being seen deleted and the revocation of its leases (default 30s)',
  },
  'node-name': { env: 'NODE_NAME', help: 'This node, for -revoke-leases-of-deleted-pods (downward API spec.nodeName)' },
  'state-dir': { help: 'Node-local directory (hostPath) where the encrypted lease cache survives restarts' },
  'state-key-file': {
    help: 'File with the 32-byte key (raw, hex or base64) encrypting -state-dir; without it nothing is persisted',
  },
} as const;

export function parseLeaseFlags(value: (name: string) => string | undefined): LeaseSettings {
  const flags = new FlagValues(value);
  const revokeDeletedPods = flags.bool('revoke-leases-of-deleted-pods');
  const nodeName = value('node-name');
  if (revokeDeletedPods && nodeName === undefined) {
    throw new ConfigError(
      "-revoke-leases-of-deleted-pods needs this node's name: set -node-name or the NODE_NAME environment variable (downward API spec.nodeName)",
    );
  }
  const stateDir = value('state-dir');
  const stateKeyFile = value('state-key-file');
  return {
    cacheSize: flags.integer('lease-cache-size', LEASE_DEFAULTS.cacheSize),
    cacheMaxBytes: flags.integer('lease-cache-max-bytes', LEASE_DEFAULTS.cacheMaxBytes, 1024),
    renewalPercent: flags.percent('lease-renewal-percent', LEASE_DEFAULTS.renewalPercent),
    certificateRenewalPercent: flags.percent('certificate-renewal-percent', LEASE_DEFAULTS.certificateRenewalPercent),
    revokeDeletedPods,
    revocationGracePeriodMs: flags.duration('lease-revocation-grace-period', LEASE_DEFAULTS.revocationGracePeriodMs),
    ...(nodeName === undefined ? {} : { nodeName }),
    ...(stateDir === undefined ? {} : { stateDir }),
    ...(stateKeyFile === undefined ? {} : { stateKeyFile }),
  };
}
