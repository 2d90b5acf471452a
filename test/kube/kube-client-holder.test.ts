import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { KubeClient } from '../../src/kube/in-cluster.js';
import { KubeClientHolder } from '../../src/kube/kube-client-holder.js';

function fakeClient(): KubeClient & { closed: number } {
  const client = {
    closed: 0,
    close: () => {
      client.closed++;
      return Promise.resolve();
    },
  };
  return client as unknown as KubeClient & { closed: number };
}

test('opens the in-cluster client lazily, once, retries a failed open, and closes only its own', async () => {
  const client = fakeClient();
  let opens = 0;
  const holder = new KubeClientHolder(undefined, () => {
    opens++;
    return opens === 1 ? Promise.reject(new Error('no token file yet')) : Promise.resolve(client);
  });
  assert.equal(opens, 0, 'nothing opened before a feature needs it');
  await assert.rejects(holder.get(), /no token file yet/);
  const [first, second] = await Promise.all([holder.get(), holder.get()]);
  assert.equal(first, client);
  assert.equal(second, client);
  assert.equal(opens, 2);
  await holder.close();
  assert.equal(client.closed, 1);

  const injected = fakeClient();
  const borrowed = new KubeClientHolder(injected);
  assert.equal(borrowed.provided, true);
  assert.equal(await borrowed.get(), injected);
  await borrowed.close();
  assert.equal(injected.closed, 0, "an injected client stays the caller's");
});
