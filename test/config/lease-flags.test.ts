import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ConfigError } from '../../src/config/command-line.js';
import { loadCommand } from '../../src/config/provider-config.js';

const serve = (args: string[], env: Record<string, string> = {}) => {
  const command = loadCommand(args, env);
  if (command.kind !== 'serve') throw new Error('expected serve');
  return command.config.leases;
};

describe('lease flags', () => {
  test('defaults: cache on, two thirds, no revocation, no persistence', () => {
    const leases = serve([]);
    assert.equal(leases.cacheSize, 10_000);
    assert.ok(Math.abs(leases.renewalPercent - 66.67) < 0.01);
    assert.equal(leases.revokeDeletedPods, false);
    assert.equal(leases.revocationGracePeriodMs, 30_000);
    assert.equal(leases.stateDir, undefined);
  });

  test('the Helm chart form, NODE_NAME from the environment', () => {
    const leases = serve(['--revoke-leases-of-deleted-pods=true', '-lease-revocation-grace-period=1m'], {
      NODE_NAME: 'node-7',
    });
    assert.equal(leases.revokeDeletedPods, true);
    assert.equal(leases.nodeName, 'node-7');
    assert.equal(leases.revocationGracePeriodMs, 60_000);
  });

  const invalid: [string[], RegExp][] = [
    [['-lease-renewal-percent=0'], /-lease-renewal-percent: must be a percentage from 1 to 99/],
    [['-certificate-renewal-percent=100'], /-certificate-renewal-percent/],
    [['-lease-cache-size=-1'], /-lease-cache-size: must be an integer >= 0/],
    [['-lease-revocation-grace-period=soon'], /invalid duration "soon"/],
    [['-revoke-leases-of-deleted-pods'], /NODE_NAME/],
  ];
  for (const [args, message] of invalid) {
    test(`refuses ${args.join(' ')}`, () => {
      assert.throws(
        () => serve(args),
        (error: unknown) => error instanceof ConfigError && message.test(error.message),
      );
    });
  }
});
