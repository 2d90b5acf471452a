// The identity of one pod as kubelet reports it to a CSI driver (podInfoOnMount). Lives per test.
import { randomUUID } from 'node:crypto';

export interface PodFixture {
  namespace: string;
  name: string;
  uid: string;
  serviceAccountName: string;
}

/** A pod with a fresh uid, in namespace `default` running as service account `default`. */
export function makePod(overrides: Partial<PodFixture> = {}): PodFixture {
  const uid = overrides.uid ?? randomUUID();
  return {
    namespace: 'default',
    // Real pod names carry a generated suffix; deriving it from the uid keeps names unique per test.
    name: `app-${uid.slice(0, 5)}`,
    serviceAccountName: 'default',
    ...overrides,
    uid,
  };
}
