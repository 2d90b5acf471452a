/**
 * The dev Vault as a separate process for the benchmark, driven over IPC: the benchmark seeds it
 * (auth, policy, secrets), sets latency, and reads its request counters, which only exist inside
 * the Vault process. Same server as test/support/vault-dev/cli.ts, plus those three controls.
 */
import { startDevVault } from '../test/support/vault-dev/index.js';
import type { Fault } from '../test/support/vault-dev/faults.js';

export type VaultCommand =
  | { readonly kind: 'seed'; readonly publicKeyPem: string; readonly issuer: string; readonly paths: readonly string[] }
  | { readonly kind: 'fault'; readonly fault: Fault | null }
  | { readonly kind: 'stats' }
  | { readonly kind: 'reset' };

export interface VaultStatsSnapshot {
  readonly requests: number;
  readonly reads: number;
  readonly logins: number;
  readonly peakInFlight: number;
  readonly credentialsMinted: number;
}

const vault = await startDevVault({});

function snapshot(): VaultStatsSnapshot {
  const { stats } = vault;
  return {
    requests: stats.requests.length,
    reads: stats.requests.filter((request) => !request.path.includes('/login')).length,
    logins: stats.logins,
    peakInFlight: stats.peakInFlight,
    credentialsMinted: stats.leasesIssued + stats.certificatesIssued,
  };
}

process.on('message', (message: VaultCommand & { id: number }) => {
  let reply: unknown = null;
  if (message.kind === 'seed') {
    vault.enableKubernetesAuth('kubernetes', { publicKeysPem: [message.publicKeyPem], issuer: message.issuer });
    vault.writePolicy('bench', [
      { path: 'secret/data/bench/*', capabilities: ['read'] },
      { path: 'database/creds/bench', capabilities: ['read'] },
    ]);
    vault.writeDatabaseRole('bench', { defaultTtlSeconds: 3600, maxTtlSeconds: 86_400 });
    vault.writeKubernetesRole('kubernetes', 'bench', {
      boundServiceAccountNames: ['bench'],
      boundServiceAccountNamespaces: ['default'],
      audience: 'vault',
      policies: ['bench'],
      ttlSeconds: 3600,
    });
    for (const path of message.paths) vault.writeKv('secret', `bench/${path}`, { value: `value-of-${path}` });
  } else if (message.kind === 'fault') {
    vault.setFault(message.fault);
  } else if (message.kind === 'stats') {
    reply = snapshot();
  } else {
    vault.stats.reset();
  }
  process.send?.({ id: message.id, reply });
});

// Closing the server and the IPC channel lets the process end by itself.
const shutdown = (): void => {
  if (process.connected) process.disconnect();
  void vault.stop();
};
process.once('SIGTERM', shutdown);
process.once('disconnect', () => void vault.stop());
process.send?.({ id: 0, reply: { address: vault.address } });
