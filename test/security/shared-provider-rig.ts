/**
 * A node as the attack tests on the shared provider see it: the BUILT provider as its own
 * process (so a crash, an out-of-memory abort or a blocked event loop is real), the dev Vault
 * over HTTP, and the driver emulator for the attacker's and the bystanders' pods. Lives per test
 * file.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServiceAccountIssuer, type ServiceAccountIssuer } from '../support/cluster/service-account-issuer.js';
import { makePod, type PodFixture } from '../support/cluster/pod.js';
import { DriverEmulator, type MountOutcome } from '../support/driver/index.js';
import { seedVault } from '../support/harness.js';
import { startProviderProcess, type ProviderProcess } from '../support/provider-process.js';
import { startDevVault, type DevVault } from '../support/vault-dev/index.js';

export interface SharedNode {
  readonly vault: DevVault;
  readonly provider: ProviderProcess;
  readonly driver: DriverEmulator;
  readonly issuer: ServiceAccountIssuer;
  /** A folder for mount targets. */
  readonly targetRoot: string;
  /** A new pod of the `app` service account (bound to the `app` role). */
  pod(): PodFixture;
  /** Mounts `objects` (SPC `objects` YAML) for `pod` into a new target. */
  mount(pod: PodFixture, objects: string, deadlineMs?: number): Promise<MountOutcome>;
  stop(): Promise<void>;
}

let counter = 0;

export async function startSharedNode(providerArgs: readonly string[] = []): Promise<SharedNode> {
  const dir = await mkdtemp(join(tmpdir(), 'vcp-shared-'));
  const vault = await startDevVault();
  const issuer = await createServiceAccountIssuer();
  seedVault(vault, issuer);
  const socketPath = join(dir, 'vault.sock');
  const provider = await startProviderProcess({
    socketPath,
    args: [`-vault-addr=${vault.address}`, '-log-level=info', ...providerArgs],
  });
  const driver = new DriverEmulator({ socketPath, issuer });
  return {
    vault,
    provider,
    driver,
    issuer,
    targetRoot: join(dir, 'targets'),
    pod: () => makePod({ namespace: 'default', serviceAccountName: 'app' }),
    mount: (pod, objects, deadlineMs) =>
      driver.mount(
        pod,
        { spc: { name: 'app-secrets', provider: 'vault', parameters: { roleName: 'app', objects } } },
        join(dir, 'targets', `t${++counter}`),
        deadlineMs === undefined ? {} : { deadlineMs },
      ),
    async stop() {
      driver.close();
      await provider.stop();
      await vault.stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** The bystander's objects: plain KV reads, the Go provider's fields only. */
export const BYSTANDER_OBJECTS = `- {objectName: username, secretPath: secret/data/app, secretKey: username}`;
