/**
 * Shared bits of the `src/kube/` tests: a logger whose lines the test can read (to prove no token
 * or key leaks), a client for a fake API server, and polling for asynchronous outcomes (shared).
 */
import { createLogger, type Logger } from '../../src/observability/logger.js';
import { KubeClient, type KubeClientOptions } from '../../src/kube/in-cluster.js';
import { seedVault, startHarness, type Harness } from '../support/harness.js';
import { startFakeKubeApi, type FakeKubeApi } from '../support/kube-api/index.js';

export const TOKEN = 'provider-sa-token-0f9e8d7c6b5a';

export function capturedLogger(): { logger: Logger; lines: string[] } {
  const lines: string[] = [];
  const logger = createLogger('debug', { write: (line: string) => void lines.push(line) });
  return { logger, lines };
}

export function clientFor(fake: FakeKubeApi, overrides: Partial<KubeClientOptions> = {}): KubeClient {
  return new KubeClient({
    baseUrl: fake.baseUrl,
    namespace: 'csi',
    token: TOKEN,
    ...(fake.caPem === undefined ? {} : { caPem: fake.caPem }),
    ...overrides,
  });
}

export { waitFor } from '../support/wait-for.js';

/**
 * A harness whose driver sends no tokens: the provider mints the pod's token through
 * `-token-request-fallback` from a fake API server, whose signer Vault's kubernetes auth trusts.
 */
export async function startTokenRequestFallbackHarness(): Promise<{
  fake: FakeKubeApi;
  h: Harness;
  stop: () => Promise<void>;
}> {
  const fake = await startFakeKubeApi({ token: TOKEN });
  const client = clientFor(fake);
  const h = await startHarness({
    seed: false,
    kubeClient: client,
    providerArgs: ['-token-request-fallback', '-hmac-key-source=random'],
    driver: { tokenAudiences: [] },
  });
  seedVault(h.vault, await fake.tokenSigner());
  return {
    fake,
    h,
    stop: async () => {
      await h.stop();
      await client.close();
      await fake.stop();
    },
  };
}
