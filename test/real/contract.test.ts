/**
 * Holds the dev Vault to the real server: each row of the contract table is sent to OpenBao
 * 2.7.2 and to the dev Vault, and their answers must agree (status, error texts, warnings, body
 * keys, `data` keys) except for the fields a row names as a deliberate difference, which must
 * then really differ. When a row fails, the dev Vault is the bug (docs/testing.md).
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { realServersGate } from './support/binaries.js';
import {
  contractFixtures,
  startContractServers,
  type ContractFixtures,
  type ContractServer,
} from './contract/contract-servers.js';
import {
  CONTRACT_ROWS,
  ENVELOPE_DIFFERENCES,
  PROVIDER_ENDPOINTS,
  type ContractRow,
} from './contract/contract-table.js';
import { FIELDS, shapeOf, type ResponseShape } from './contract/response-shape.js';

async function send(server: ContractServer, row: ContractRow, fixtures: ContractFixtures): Promise<ResponseShape> {
  const request = await row.request(server, fixtures);
  const answer = await server.anonymous.call(request.method, request.path, {
    token: request.token === undefined ? server.appToken : request.token,
    ...(request.namespace === undefined ? {} : { namespace: request.namespace }),
    ...(request.body === undefined ? {} : { body: request.body }),
    ...(request.headers === undefined ? {} : { headers: request.headers }),
  });
  return shapeOf(answer);
}

/** Drops the envelope-wide deliberate differences from the dev Vault's shape (checking they are there). */
function withoutEnvelopeDifferences(dev: ResponseShape, real: ResponseShape, row: ContractRow): ResponseShape {
  if (!real.keys.includes('request_id') || row.deliberate?.fields.includes('keys') === true) return dev;
  for (const { key } of ENVELOPE_DIFFERENCES) {
    assert.ok(
      dev.keys.includes(key),
      `${row.name}: the dev Vault's envelope lacks "${key}", a listed envelope difference`,
    );
  }
  const dropped = new Set(ENVELOPE_DIFFERENCES.map(({ key }) => key));
  return { ...dev, keys: dev.keys.filter((key) => !dropped.has(key)) };
}

describe('contract: the dev Vault answers as OpenBao 2.7.2 does', realServersGate(), () => {
  let fixtures: ContractFixtures;
  let openbao: ContractServer;
  let devVault: ContractServer;
  let servers: Awaited<ReturnType<typeof startContractServers>> | undefined;
  before(async () => {
    fixtures = await contractFixtures();
    servers = await startContractServers(fixtures);
    ({ openbao, devVault } = servers);
  });
  after(() => servers?.stop());

  test('every endpoint the provider calls has a row, and row names are unique', () => {
    const covered = new Set(CONTRACT_ROWS.map((row) => row.endpoint));
    assert.deepEqual(
      PROVIDER_ENDPOINTS.filter((endpoint) => !covered.has(endpoint)),
      [],
    );
    const names = CONTRACT_ROWS.map((row) => row.name);
    assert.equal(new Set(names).size, names.length);
  });

  const check = async (row: ContractRow): Promise<void> => {
    const real = await send(openbao, row, fixtures);
    const dev = withoutEnvelopeDifferences(await send(devVault, row, fixtures), real, row);
    const deliberate = new Set(row.deliberate?.fields ?? []);
    for (const field of FIELDS) {
      if (deliberate.has(field)) {
        assert.notDeepEqual(
          dev[field],
          real[field],
          `${row.name}: "${field}" is listed as a deliberate difference but both servers agree; update the row`,
        );
      } else {
        assert.deepEqual(dev[field], real[field], `${row.name}: ${field} differs (dev Vault vs OpenBao)`);
      }
    }
  };

  describe('unsealed', () => {
    for (const row of CONTRACT_ROWS.filter((candidate) => candidate.sealed !== true)) {
      test(row.name, () => check(row));
    }
  });

  describe('sealed', () => {
    before(async () => {
      await openbao.seal();
      await devVault.seal();
    });
    after(async () => {
      await openbao.unseal();
      await devVault.unseal();
    });
    for (const row of CONTRACT_ROWS.filter((candidate) => candidate.sealed === true)) {
      test(row.name, () => check(row));
    }
  });
});
