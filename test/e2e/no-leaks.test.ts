import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { request } from 'undici';
import { spcParameters, startHarness } from '../support/harness.js';

/**
 * Drives successes and every kind of failure at trace level, then searches everything the
 * provider emitted (logs, gRPC error messages, metrics, object versions) for secret material,
 * and holds the per-request debug line (docs/troubleshooting.md) to what it may say.
 */
describe('no secret, JWT, Vault token or secretArgs value leaves the provider', () => {
  test('captured logs, errors, metrics and versions are clean', async () => {
    const h = await startHarness();
    const secretValues = ['leak-canary-value-7f3a', 'another-canary-91bc'];
    const argValue = 'secret-arg-canary-55aa';
    const queryValue = 'query-canary-0d1e';
    const errors: string[] = [];
    const versions: string[] = [];
    const jwts: string[] = [];
    try {
      h.vault.writeKv('secret', 'app/canary', { value: secretValues[0], other: secretValues[1] });
      const pod = h.appPod();
      const req = await h.driver.buildRequest(
        pod,
        { spc: h.spc(spcParameters('- {objectName: x, secretPath: secret/data/app}')) },
        h.target(),
      );
      const attributes = JSON.parse(req.attributes ?? '{}') as Record<string, string>;
      const tokens = JSON.parse(attributes['csi.storage.k8s.io/serviceAccount.tokens'] ?? '{}') as Record<
        string,
        { token: string }
      >;
      jwts.push(...Object.values(tokens).map((entry) => entry.token));

      const scenarios: Record<string, string>[] = [
        spcParameters(`
- {objectName: value, secretPath: secret/data/app/canary, secretKey: value}
- {objectName: whole, secretPath: secret/data/app/canary}
- {objectName: other, secretPath: secret/data/app/canary, secretKey: other}
`),
        spcParameters(`- {objectName: missing, secretPath: secret/data/app/canary, secretKey: nope}`),
        spcParameters(`- {objectName: denied, secretPath: secret/data/forbidden, secretKey: x}`),
        spcParameters(
          `- {objectName: args, secretPath: pki/issue/app, method: PUT, secretArgs: {common_name: ${argValue}}}`,
        ),
        spcParameters(
          `- {objectName: args2, secretPath: secret/data/app/canary, method: POST, secretArgs: {data: {value: ${argValue}}}}`,
        ),
        spcParameters('- {objectName: ../bad, secretPath: secret/data/app/canary}'),
        spcParameters(`- {objectName: queried, secretPath: "secret/data/app/canary?version=1&marker=${queryValue}"}`),
        { ...spcParameters('- {objectName: x, secretPath: secret/data/app/canary}'), roleName: 'nonexistent' },
      ];
      for (const parameters of scenarios) {
        try {
          const outcome = await h.mount(pod, parameters);
          versions.push(...outcome.objectVersions.map((version) => version.version));
        } catch (error) {
          errors.push(String((error as { details?: string }).details ?? error));
        }
      }
      const wrongSa = h.appPod({ serviceAccountName: 'intruder' });
      await h
        .mount(wrongSa, spcParameters('- {objectName: x, secretPath: secret/data/app/canary}'))
        .catch((error: unknown) => {
          errors.push(String((error as { details?: string }).details));
        });

      assert.ok(errors.length >= 5, `expected failures to check, got ${errors.length}`);
      assert.ok(versions.length >= 3);
      const metrics = await (await request(`http://127.0.0.1:${h.provider.healthAddress!.port}/metrics`)).body.text();
      const vaultTokens = h.vault.issuedTokens();
      assert.ok(vaultTokens.length > 0, 'the dev Vault reports the tokens it issued');

      const haystacks: Record<string, string> = {
        logs: h.logs.join('\n'),
        errors: errors.join('\n'),
        metrics,
        versions: versions.join('\n'),
      };
      const needles: Record<string, string> = {
        'secret value': secretValues[0]!,
        'second secret value': secretValues[1]!,
        'base64 of a secret value': Buffer.from(secretValues[1]!).toString('base64').slice(0, 16),
        'secretArgs value': argValue,
        'query value': queryValue,
      };
      jwts.forEach((jwt, index) => {
        needles[`JWT ${index}`] = jwt;
        needles[`JWT ${index} signature`] = jwt.split('.')[2]!;
      });
      vaultTokens.forEach((token, index) => (needles[`Vault token ${index}`] = token));
      for (const [where, haystack] of Object.entries(haystacks)) {
        for (const [what, needle] of Object.entries(needles)) {
          assert.ok(!haystack.includes(needle), `${what} found in ${where}`);
        }
      }
      // One debug line per exchange with Vault (the harness logs at trace level): what was asked
      // and answered, in these fields only.
      const exchanges = h.logs
        .map((line) => JSON.parse(line) as { msg?: string; level?: string; vaultRequest?: Record<string, unknown> })
        .filter((line) => line.msg === 'vault request');
      const seen = h.vault.stats.requests.map((record) => `${record.method} ${record.path} ${record.status}`);
      const logged = exchanges.map(
        (line) =>
          `${String(line.vaultRequest?.method)} ${String(line.vaultRequest?.path)} ${String(line.vaultRequest?.status)}`,
      );
      assert.deepEqual(logged.sort(), seen.sort(), 'every request the dev Vault answered, logged once');
      for (const { level, vaultRequest } of exchanges) {
        assert.equal(level, 'debug');
        const fields = Object.keys(vaultRequest ?? {});
        const allowed = ['operation', 'method', 'path', 'queryNames', 'status', 'durationMs', 'attempt', 'requestId'];
        assert.deepEqual(
          fields.filter((field) => !allowed.includes(field)),
          [],
          'no other field',
        );
        assert.equal(typeof vaultRequest?.durationMs, 'number');
        assert.ok(Number(vaultRequest?.attempt) >= 1);
      }
      const read = exchanges.find(
        (line) => line.vaultRequest?.path === '/v1/secret/data/app/canary' && line.vaultRequest.status === '200',
      );
      assert.match(String(read?.vaultRequest?.requestId), /^[0-9a-f-]{36}$/, "Vault's request id, for its audit log");
      assert.ok(
        exchanges.some((line) => JSON.stringify(line.vaultRequest?.queryNames) === '["version","marker"]'),
        'query parameters by name only',
      );
      // The audit line is there and says what was served without values.
      const audits = h.logs
        .map((line) => JSON.parse(line) as Record<string, unknown>)
        .filter((line) => line.audit === true);
      assert.ok(audits.length >= scenarios.length);
      const first = audits.find((line) => line.result === 'ok') as {
        pod: { uid: string };
        objects: { name: string; version?: string }[];
      };
      assert.equal(first.pod.uid, pod.uid);
      assert.ok(first.objects.every((object) => typeof object.version === 'string'));
    } finally {
      await h.stop();
    }
  });
});
