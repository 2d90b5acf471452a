/**
 * Threat: secret material leaks through what the provider emits, which many more people can read
 * than Vault: logs (collected cluster-wide), gRPC error messages (shown in pod events), metrics
 * and object versions (stored in SecretProviderClassPodStatus). Control: values never enter
 * messages or log fields by design, pino redaction as a second net, HMAC object versions.
 * This drives every attack of test/security at trace level and searches all of it.
 */
import assert from 'node:assert/strict';
import { copyFile, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { request } from 'undici';
import { createServiceAccountIssuer, type ServiceAccountIssuer } from '../support/cluster/service-account-issuer.js';
import { DriverEmulator, FAST_RETRY_BACKOFF, type VolumeFixture } from '../support/driver/index.js';
import { spcParameters, startHarness } from '../support/harness.js';
import { startRecordingServer } from './attack-kit.js';

const SECRET = 'leak-canary-secret-4e1d';
const SECOND = 'leak-canary-second-77c2';
const ARG = 'leak-canary-secret-arg-b0b0';
const NODE_SECRET = 'leak-canary-node-publish-secret-1234';
const KEY_CANARY = 'leak-canary-node-key-9f9f';

/** Wraps an issuer so the test knows every JWT the driver handed to the provider. */
function recording(issuer: ServiceAccountIssuer, jwts: string[]): ServiceAccountIssuer {
  return {
    ...issuer,
    async sign(claims) {
      const signed = await issuer.sign(claims);
      jwts.push(signed.token);
      return signed;
    },
  };
}

describe('threat: secrets leak through logs, errors, metrics or object versions', () => {
  test('after every attack at trace level, no secret, JWT, Vault token, secretArgs or key content is found', async () => {
    const keyDir = await mkdtemp(join(tmpdir(), 'vcp-leak-tls-'));
    const h = await startHarness({
      vault: { tls: true },
      providerArgs: [
        `-allowed-tls-file-dirs=${keyDir}`,
        '-allowed-vault-addresses=https://vault.example.com:8200',
        '-max-response-bytes=65536',
        '-max-attributes-bytes=65536',
      ],
    });
    const jwts: string[] = [];
    const driver = new DriverEmulator({
      socketPath: h.config.endpoint,
      issuer: recording(h.issuer, jwts),
      retryBackoff: FAST_RETRY_BACKOFF,
    });
    const rogue = await createServiceAccountIssuer({ issuer: h.issuer.issuer });
    const rogueDriver = new DriverEmulator({
      socketPath: h.config.endpoint,
      issuer: recording(rogue, jwts),
      retryBackoff: FAST_RETRY_BACKOFF,
    });
    const decoy = await startRecordingServer();
    const errors: string[] = [];
    const versions: string[] = [];
    try {
      h.vault.writeKv('secret', 'app/canary', { value: SECRET, other: SECOND });
      h.vault.writeKv('secret', 'app/huge', { blob: `${SECRET}${'z'.repeat(100_000)}` });
      const tls = h.vault.tls!;
      await copyFile(tls.clientCertPath, join(keyDir, 'client.crt'));
      await copyFile(tls.clientKeyPath, join(keyDir, 'client.key'));
      const outsideKey = join(h.dir, 'node.key');
      await writeFile(outsideKey, `-----BEGIN PRIVATE KEY-----\n${KEY_CANARY}\n-----END PRIVATE KEY-----\n`);
      const mtls = {
        vaultTLSClientCertPath: join(keyDir, 'client.crt'),
        vaultTLSClientKeyPath: join(keyDir, 'client.key'),
      };

      const canary = (extra = '') => `
- {objectName: value, secretPath: secret/data/app/canary, secretKey: value}
- {objectName: whole, secretPath: secret/data/app/canary}${extra}`;
      const volumes: VolumeFixture[] = [
        { spc: h.spc(spcParameters(canary(), mtls)) },
        { spc: h.spc(spcParameters(canary())), nodePublishSecret: { token: NODE_SECRET } },
        { spc: h.spc(spcParameters(`- {objectName: x, secretPath: secret/data/app/canary, secretKey: nope}`)) },
        { spc: h.spc(spcParameters(`- {objectName: d, secretPath: secret/data/forbidden}`)) },
        {
          spc: h.spc(
            spcParameters(`- {objectName: a, secretPath: secret/data/app/x, method: POST, secretArgs: {v: ${ARG}}}`),
          ),
        },
        {
          spc: h.spc(
            spcParameters(`- {objectName: a, secretPath: secret/data/app, secretArgs: {v: ${ARG}, v: ${ARG}}}`),
          ),
        },
        { spc: h.spc(spcParameters(`${canary(`\n  # ${ARG}`)}\n# ${'p'.repeat(70_000)} ${ARG}`)) },
        { spc: h.spc(spcParameters(canary(), { vaultAddress: decoy.address })) },
        {
          spc: h.spc(
            spcParameters(canary(), { vaultTLSClientCertPath: outsideKey, vaultTLSClientKeyPath: outsideKey }),
          ),
        },
        { spc: h.spc(spcParameters(canary(), { vaultCACertPath: outsideKey })) },
        { spc: h.spc(spcParameters(`- {objectName: h, secretPath: secret/data/app/huge, secretKey: blob}`)) },
        { spc: h.spc(spcParameters(canary())), nodePublishSecret: { big: `${NODE_SECRET}${'n'.repeat(70_000)}` } },
        { spc: h.spc(spcParameters(canary(), { roleName: 'nonexistent' })) },
      ];
      const attempt = async (run: () => Promise<{ objectVersions: { version: string }[] }>) => {
        try {
          versions.push(...(await run()).objectVersions.map((version) => version.version));
        } catch (error) {
          errors.push(String((error as { details?: string }).details ?? error));
        }
      };
      for (const volume of volumes) await attempt(() => driver.mount(h.appPod(), volume, h.target()));
      await attempt(() => driver.mount(h.appPod({ serviceAccountName: 'intruder' }), volumes[0]!, h.target()));
      await attempt(() => rogueDriver.mount(h.appPod(), volumes[0]!, h.target()));

      assert.ok(versions.length >= 4, `successful mounts to check: ${versions.length}`);
      assert.ok(errors.length >= 10, `failures to check: ${errors.length}`);
      const vaultTokens = h.vault.issuedTokens();
      assert.ok(vaultTokens.length > 0 && jwts.length > 0);
      const metrics = await (await request(`http://127.0.0.1:${h.provider.healthAddress!.port}/metrics`)).body.text();
      const exchanges = h.logs.filter((line) => line.includes('"msg":"vault request"')).length;
      assert.ok(exchanges >= versions.length, `the per-request debug lines are in the sweep (${exchanges})`);
      const haystacks: Record<string, string> = {
        logs: h.logs.join('\n'),
        errors: errors.join('\n'),
        metrics,
        versions: versions.join('\n'),
      };
      const keyBody = tls.clientKeyPem.split('\n').find((line) => line.length > 40)!;
      const needles: Record<string, string> = {
        'secret value': SECRET,
        'second secret value': SECOND,
        'base64 of a secret': Buffer.from(SECOND).toString('base64').slice(0, 16),
        'secretArgs value': ARG,
        'nodePublishSecretRef value': NODE_SECRET,
        'client key content': keyBody,
        'node key file content': KEY_CANARY,
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
      assert.equal(decoy.requests.length, 0);
    } finally {
      driver.close();
      rogueDriver.close();
      await decoy.close();
      await h.stop();
      await rm(keyDir, { recursive: true, force: true });
    }
  });
});
