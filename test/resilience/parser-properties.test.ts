/**
 * Property over the real socket: arbitrary `objects` and parameters, sent as the driver sends
 * them, give exactly the status the parser decides (InvalidArgument with its message, or a
 * missing-token Unauthenticated) or, for a valid spec, a success or a Vault-derived status; never
 * Internal, Unknown or a hung call. The in-process parser properties are in test/mount.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { status } from '@grpc/grpc-js';
import fc from 'fast-check';
import YAML from 'yaml';
import { ProviderError } from '../../src/errors.js';
import { parseMountRequest } from '../../src/mount/parse/attributes.js';
import { OBJECT_FIELDS } from '../../src/mount/parse/object-entry.js';
import { toGrpcFailure } from '../../src/server/grpc-status.js';
import { DriverMountError, ProviderClient } from '../support/driver/index.js';
import type { Harness } from '../support/harness.js';
import type { GrpcError } from './resilience-rig.js';
import { startResilienceHarness } from './resilience-rig.js';

/** Statuses a valid spec may still end in, decided by Vault's answer. */
const VAULT_DECIDED = new Set<number>([
  status.OK,
  status.NOT_FOUND,
  status.PERMISSION_DENIED,
  status.INVALID_ARGUMENT,
  status.UNAUTHENTICATED,
]);

const objectEntry = fc.dictionary(
  fc.oneof(fc.constantFrom(...OBJECT_FIELDS), fc.string({ maxLength: 8 })),
  fc.oneof(
    fc.jsonValue({ maxDepth: 2 }),
    fc.constantFrom('secret/data/app', 'kv/legacy', 'username', '0600', '..', 'GET', 'base64', 'a/b'),
  ),
  { maxKeys: 6 },
);
const objectsText = fc.oneof(
  fc.string({ maxLength: 60 }),
  fc.array(objectEntry, { maxLength: 3 }).map((entries) => YAML.stringify(entries)),
  fc.array(objectEntry, { maxLength: 3 }).map((entries) => JSON.stringify(entries)),
  fc.constantFrom('- {objectName: u, secretPath: secret/data/app, secretKey: username}', '- &a [*a]', '!!binary x'),
);
// Connection parameters are left out: a valid but unreachable address would only test timeouts.
const parameters = fc.dictionary(
  fc.constantFrom('roleName', 'audience', 'vaultKubernetesMountPath', 'vaultAuthMountPath', 'filePermission', 'x'),
  fc.oneof(fc.constantFrom('app', 'vault', 'kubernetes', '0644', ''), fc.string({ maxLength: 12 })),
  { maxKeys: 3 },
);

describe('property over the socket: arbitrary objects and parameters', () => {
  let h: Harness;
  let client: ProviderClient;
  before(async () => {
    h = await startResilienceHarness();
    client = new ProviderClient(h.config.endpoint, 'localhost');
  });
  after(async () => {
    await h.stop();
  });

  test('the parser decides InvalidArgument (same message) or the spec is valid; never another status', async () => {
    const seen = { invalid: 0, valid: 0 };
    await fc.assert(
      fc.asyncProperty(objectsText, parameters, async (objects, extra) => {
        const spc = { name: 'prop', provider: 'vault', parameters: { roleName: 'app', ...extra, objects } };
        const request = await h.driver.buildRequest(h.appPod(), { spc }, h.target()).catch((error: unknown) => {
          // The driver refuses some SecretProviderClasses itself; those never reach a provider.
          if (error instanceof DriverMountError) return undefined;
          throw error;
        });
        if (request === undefined) return;
        const strings = {
          attributes: request.attributes ?? '',
          secrets: request.secrets ?? '',
          targetPath: request.targetPath ?? '',
          permission: request.permission ?? '',
        };
        let expected: { code: number; details?: string } | undefined;
        try {
          parseMountRequest(strings, h.config.connection);
        } catch (error) {
          assert.ok(error instanceof ProviderError, `parser threw ${String(error)}`);
          expected = toGrpcFailure(error);
        }
        const outcome = await client.mount(request, 10_000).then(
          () => ({ code: status.OK, details: '' }),
          (error: unknown) => {
            const { code, details } = error as GrpcError;
            return { code: code ?? -1, details: details ?? '' };
          },
        );
        seen[expected === undefined ? 'valid' : 'invalid'] += 1;
        if (expected !== undefined) {
          assert.equal(outcome.code, expected.code, outcome.details);
          assert.equal(outcome.details, expected.details);
        } else {
          assert.ok(VAULT_DECIDED.has(outcome.code), `status ${outcome.code}: ${outcome.details}`);
        }
      }),
      { numRuns: 80 },
    );
    assert.ok(seen.invalid > 0 && seen.valid > 0, `both branches exercised: ${JSON.stringify(seen)}`);
  });
});
