/**
 * What the real server showed the provider got wrong, proven on OpenBao: a method whose answer
 * cannot be mounted (HEAD) is refused before anything is sent; a KV v2 path written without
 * `data/` gets the corrected path even when the policy denies it (no warning then); a namespace
 * that does not exist is named as such, not blamed on the role binding.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { status } from '@grpc/grpc-js';
import { realServersGate } from './support/binaries.js';
import { startRealRig, type RealRig } from './support/real-rig.js';

interface ServiceError {
  readonly code: number;
  readonly details: string;
}

describe('real OpenBao: errors that say what to fix', realServersGate(), () => {
  let rig: RealRig;
  before(async () => {
    rig = await startRealRig();
    await rig.setup.writeKv2('secret', 'team/app', { password: 'p' });
    // The usual policy: the data/ paths of the team's secrets.
    await rig.grant('hints', { 'secret/data/team/*': ['read'] });
  });
  after(() => rig.stop());

  const publish = (parameters: Record<string, string>) =>
    rig.publish(rig.pod('hints'), { roleName: 'hints', ...parameters });

  test('HEAD is refused at parse time: no login, no request reaches OpenBao', async () => {
    const mark = rig.bao.audit.mark();
    await assert.rejects(
      publish({ objects: '- {objectName: p, secretPath: secret/data/team/app, secretKey: password, method: HEAD}' }),
      (error: ServiceError) => {
        assert.equal(error.code, status.INVALID_ARGUMENT);
        assert.match(error.details, /field "method" "HEAD" cannot be used: a HEAD answer has no body/);
        assert.doesNotMatch(error.details, /grant "update"/);
        return true;
      },
    );
    assert.deepEqual(rig.bao.audit.responses({ since: mark }), []);
  });

  test('a KV v2 path without data/ that the policy denies: the corrected path is named', async () => {
    const mark = rig.bao.audit.mark();
    await assert.rejects(
      publish({ objects: '- {objectName: p, secretPath: secret/team/app, secretKey: password}' }),
      (error: ServiceError) => {
        assert.equal(error.code, status.PERMISSION_DENIED);
        assert.match(
          error.details,
          /secret\/team\/app is on a KV version 2 mount, where the path needs "data\/": secret\/data\/team\/app/,
        );
        return true;
      },
    );
    // OpenBao refused the read without a warning; the mount's version came from its preflight.
    const refused = rig.bao.audit.responses({ since: mark, path: 'secret/team/app' });
    assert.equal(refused.length, 1);
    assert.ok(refused[0]?.error !== undefined);
    assert.equal(rig.bao.audit.responses({ since: mark, path: 'sys/internal/ui/mounts/secret/team/app' }).length, 1);
    const fixed = await publish({
      objects: '- {objectName: p, secretPath: secret/data/team/app, secretKey: password}',
    });
    assert.equal(fixed.files.get('p'), 'p');
  });

  test('a namespace that does not exist gets its own message, not the role-binding one', async () => {
    await assert.rejects(
      publish({
        vaultNamespace: 'no-such-team',
        objects: '- {objectName: p, secretPath: secret/data/team/app, secretKey: password}',
      }),
      (error: ServiceError) => {
        assert.equal(error.code, status.INVALID_ARGUMENT);
        assert.match(error.details, /Vault namespace "no-such-team" does not exist \(HTTP 404: namespace not found\)/);
        assert.doesNotMatch(error.details, /binds this service account/);
        return true;
      },
    );
  });
});
