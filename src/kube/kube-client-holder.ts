/**
 * The provider's one Kubernetes client, opened on first use: most installations need none (no
 * HMAC key Secret, no TokenRequest fallback, no pod watch), and then the provider must not
 * require the in-cluster service-account files. A client passed in (a test's fake API server,
 * or an embedding program) is used as is and stays the caller's to close.
 */
import { KubeClient } from './in-cluster.js';

export class KubeClientHolder {
  private opening: Promise<KubeClient> | undefined;

  constructor(
    private readonly injected: KubeClient | undefined,
    private readonly open: () => Promise<KubeClient> = () => KubeClient.inCluster(),
  ) {}

  /** Whether a client was passed in, i.e. the provider was told which cluster it runs in. */
  get provided(): boolean {
    return this.injected !== undefined;
  }

  get(): Promise<KubeClient> {
    if (this.injected !== undefined) return Promise.resolve(this.injected);
    if (this.opening !== undefined) return this.opening;
    const opening = this.open();
    this.opening = opening;
    // A failed open (files not there yet) is retried on the next call rather than cached.
    opening.catch(() => {
      if (this.opening === opening) this.opening = undefined;
    });
    return opening;
  }

  /** Closes the client this holder opened; an injected client is left alone. */
  async close(): Promise<void> {
    if (this.injected !== undefined || this.opening === undefined) return;
    const opening = this.opening;
    this.opening = undefined;
    await opening.then(
      (client) => client.close(),
      () => undefined,
    );
  }
}
