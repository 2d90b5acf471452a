/**
 * What hashicorp/vault-csi-provider needs to start beside ours: it keeps its HMAC key in a
 * Kubernetes Secret, through client-go's in-cluster configuration. The fake API server
 * (test/support/kube-api, over TLS) serves that Secret, and the service-account files appear at
 * the in-cluster path in a mount namespace of the provider's own (as test/real does for ours), so
 * nothing on the machine changes. The Go provider is built from source outside the repository
 * (BUSL: neither its source nor its binary is committed); CI does not run it.
 */
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startFakeKubeApi, type FakeKubeApi } from '../test/support/kube-api/index.js';
import { withInClusterFiles } from '../test/support/in-cluster-files.js';
import type { LaunchSpec } from './processes.js';

const TOKEN = 'bench-provider-service-account-token';

export interface GoProviderCluster {
  launchSpec(socketPath: string, healthPort: number, vaultAddress: string): LaunchSpec;
  stop(): Promise<void>;
}

export async function startGoProviderCluster(binary: string): Promise<GoProviderCluster> {
  const kube: FakeKubeApi = await startFakeKubeApi({ tls: true, token: TOKEN });
  const dir = await mkdtemp(join(tmpdir(), 'vcp-bench-go-'));
  const serviceAccountDir = join(dir, 'serviceaccount');
  await mkdir(serviceAccountDir);
  await writeFile(join(serviceAccountDir, 'ca.crt'), kube.caPem ?? '');
  await writeFile(join(serviceAccountDir, 'token'), TOKEN, { mode: 0o600 });
  await writeFile(join(serviceAccountDir, 'namespace'), 'csi');
  const { hostname, port } = new URL(kube.baseUrl);
  return {
    launchSpec: (socketPath, healthPort, vaultAddress) => ({
      ...withInClusterFiles(serviceAccountDir, binary, [
        `-endpoint=${socketPath}`,
        `-vault-addr=${vaultAddress}`,
        `-health-addr=127.0.0.1:${healthPort}`,
        '-log-level=info',
      ]),
      env: { KUBERNETES_SERVICE_HOST: hostname, KUBERNETES_SERVICE_PORT: port },
    }),
    stop: async () => {
      await kube.stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
