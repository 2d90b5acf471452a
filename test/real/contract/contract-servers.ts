/**
 * The two servers of the contract table, configured alike over the HTTP API as an operator
 * would: kubernetes and jwt auth (both validating JWTs locally with the test issuer's key, since
 * the dev Vault has no TokenReview client), a policy `app`, KV v2 at `secret/` and v1 at `kv/`,
 * PKI roles, a database role, a namespace `team1` with its own jwt auth and KV. The dev Vault
 * comes with `kv/`, `pki/` and `database/` mounted; OpenBao gets them here (PostgreSQL behind
 * its database engine). Then each server holds the tokens and JWTs the rows send.
 */
import { generateKeyPairSync } from 'node:crypto';
import { randomSerial } from '../../support/vault-dev/ids.js';
import { startDevVault } from '../../support/vault-dev/index.js';
import { allSettled, Teardown } from '../../support/child-process.js';
import { buildCertificate } from '../../support/vault-dev/x509.js';
import { createServiceAccountIssuer, type ServiceAccountIssuer } from '../../support/cluster/service-account-issuer.js';
import { startOpenBao } from '../support/openbao.js';
import { OpenBaoSetup } from '../support/openbao-setup.js';
import { startPostgres, type Postgres } from '../support/postgres.js';
import { startTokenReview } from '../support/token-review.js';
import { VaultApi } from '../support/vault-api.js';

export type ServerName = 'openbao' | 'dev-vault';

export interface JwtSet {
  readonly valid: string;
  readonly expired30: string;
  readonly expired100: string;
  readonly expired200: string;
  readonly wrongAudience: string;
  readonly unboundServiceAccount: string;
  readonly unboundNamespace: string;
  readonly badSignature: string;
  readonly malformed: string;
}

/** What the rows use on one server: clients, tokens and helpers. */
export interface ContractServer {
  readonly name: ServerName;
  readonly root: VaultApi;
  /** A client without a token (rows pass tokens per request). */
  readonly anonymous: VaultApi;
  /** kubernetes login as the `app` service account (policy `app`). */
  readonly appToken: string;
  /** A token with only the `default` policy. */
  readonly defaultToken: string;
  /** jwt login inside namespace `team1`. */
  readonly namespaceToken: string;
  readonly revokedToken: string;
  /** Issues a database credential with the app token; returns its lease id. */
  newLease(token?: string): Promise<string>;
  /** A lease that was issued and then revoked. */
  revokedLease(): Promise<string>;
  seal(): Promise<void>;
  unseal(): Promise<void>;
}

export interface ContractFixtures {
  readonly issuer: ServiceAccountIssuer;
  readonly jwts: JwtSet;
  /** Any CA certificate: kubernetes auth insists on `kubernetes_ca_cert` outside a pod. */
  readonly kubernetesCaPem: string;
}

const APP_POLICY: Readonly<Record<string, readonly string[]>> = {
  'secret/data/myapp/*': ['read'],
  'secret/metadata/myapp/*': ['read'],
  'kv/*': ['read', 'list'],
  'database/creds/app': ['read'],
  'pki/issue/web': ['update'],
  'pki/issue/leased': ['update'],
  'pki/issue/nope': ['update'],
  'database/creds/nope': ['read'],
  'sys/leases/renew': ['update'],
  'sys/leases/lookup': ['update'],
  'sys/leases/revoke': ['update'],
};

/** The JWTs the login rows send, signed by the test issuer (or, for one, by a stranger). */
export async function contractFixtures(): Promise<ContractFixtures> {
  const issuer = await createServiceAccountIssuer();
  const stranger = await createServiceAccountIssuer();
  const now = Date.now();
  const sign = async (
    options: { namespace?: string; serviceAccount?: string; audience?: string; expiredSecondsAgo?: number },
    by: ServiceAccountIssuer = issuer,
  ): Promise<string> => {
    const ttlSeconds = 600;
    const { token } = await by.sign({
      namespace: options.namespace ?? 'app',
      serviceAccountName: options.serviceAccount ?? 'app',
      podName: 'app-pod',
      podUid: '11111111-2222-3333-4444-555555555555',
      audiences: [options.audience ?? 'vault'],
      ttlSeconds,
      ...(options.expiredSecondsAgo === undefined
        ? {}
        : { nowMs: now - (ttlSeconds + options.expiredSecondsAgo) * 1000 }),
    });
    return token;
  };
  const jwts: JwtSet = {
    valid: await sign({}),
    expired30: await sign({ expiredSecondsAgo: 30 }),
    expired100: await sign({ expiredSecondsAgo: 100 }),
    expired200: await sign({ expiredSecondsAgo: 200 }),
    wrongAudience: await sign({ audience: 'not-vault' }),
    unboundServiceAccount: await sign({ serviceAccount: 'intruder' }),
    unboundNamespace: await sign({ namespace: 'elsewhere' }),
    badSignature: await sign({}, stranger),
    malformed: 'not.a-jwt',
  };
  const keys = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const ca = buildCertificate({
    serial: randomSerial(),
    subjectCommonName: 'kubernetes',
    notBeforeMs: now - 60_000,
    notAfterMs: now + 86_400_000,
    publicKey: keys.publicKey,
    isCa: true,
    signingKey: keys.privateKey,
  });
  return { issuer, jwts, kubernetesCaPem: `${ca.pem}\n` };
}

async function configure(
  api: VaultApi,
  name: ServerName,
  fixtures: ContractFixtures,
  kubernetesHost: string,
  postgres?: Postgres,
) {
  const setup = new OpenBaoSetup(api);
  const { issuer } = fixtures;
  if (name === 'openbao') {
    await setup.enableKv('kv', 1);
    await setup.enablePki('pki');
    if (postgres === undefined) throw new Error('OpenBao needs PostgreSQL for its database engine');
    await setup.enableDatabase('database', 'postgres', postgres);
  }
  await api.write('sys/auth/kubernetes', { type: 'kubernetes' });
  await api.write('auth/kubernetes/config', {
    kubernetes_host: kubernetesHost,
    pem_keys: [issuer.publicKeyPem],
    disable_local_ca_jwt: true,
    kubernetes_ca_cert: fixtures.kubernetesCaPem,
  });
  await setup.writeKubernetesRole('kubernetes', 'app', {
    serviceAccountNames: ['app'],
    namespaces: ['app'],
    policies: ['app'],
    ttl: '1h',
  });
  await setup.enableJwtAuth('jwt', { publicKeysPem: [issuer.publicKeyPem] });
  await setup.writeJwtRole('jwt', 'app', {
    boundAudiences: ['vault'],
    boundSubject: 'system:serviceaccount:app:app',
    policies: ['app'],
  });
  await setup.writePolicy('app', APP_POLICY);
  await setup.writeKv2('secret', 'myapp/prod', { mykey: 'v1' });
  await api.call('DELETE', 'secret/data/myapp/prod');
  await setup.writeKv2('secret', 'myapp/prod', { mykey: 'v3', other: 'x' });
  await setup.writeKv2('secret', 'myapp/gone', { mykey: 'soon deleted' });
  await api.call('DELETE', 'secret/data/myapp/gone');
  await setup.writeKv2('secret', 'forbidden/x', { mykey: 'no' });
  await setup.writeKv1('kv', 'app1', { apiKey: 'k1' });
  await setup.writePkiRole('pki', 'web', { allowedDomains: ['example.com'], maxTtl: '72h' });
  await setup.writePkiRole('pki', 'leased', { allowedDomains: ['example.com'], maxTtl: '72h', generateLease: true });
  await api.write('database/roles/app', {
    db_name: 'postgres',
    creation_statements: [`CREATE ROLE "{{name}}" WITH LOGIN PASSWORD '{{password}}' VALID UNTIL '{{expiration}}';`],
    default_ttl: '10m',
    max_ttl: '10m',
  });
  await api.write('sys/namespaces/team1');
  const team = setup.inNamespace('team1');
  await team.enableJwtAuth('jwt', { publicKeysPem: [issuer.publicKeyPem] });
  await team.writeJwtRole('jwt', 'app', {
    boundAudiences: ['vault'],
    boundSubject: 'system:serviceaccount:app:app',
    policies: ['nsapp'],
  });
  await team.writePolicy('nsapp', { 'secret/data/app/*': ['read'] });
  // The dev Vault's namespaces start with secret/ (KV v2), OpenBao's with nothing.
  const teamMounts = await api.read('sys/mounts', 'team1');
  if (!('secret/' in ((teamMounts.data as Record<string, unknown> | undefined) ?? teamMounts))) {
    await team.enableKv('secret', 2);
  }
  await team.writeKv2('secret', 'app/cfg', { k: 'v' });
}

async function login(api: VaultApi, path: string, jwt: string, namespace?: string): Promise<string> {
  const answer = await api.call('POST', path, {
    token: null,
    body: { role: 'app', jwt },
    ...(namespace === undefined ? {} : { namespace }),
  });
  const token = (answer.json?.auth as { client_token?: string } | undefined)?.client_token;
  if (token === undefined) throw new Error(`login at ${path}: ${answer.status} ${answer.text}`);
  return token;
}

async function serverOn(
  name: ServerName,
  root: VaultApi,
  fixtures: ContractFixtures,
  controls: { seal(): Promise<void>; unseal(): Promise<void> },
  kubernetesHost: string,
  postgres?: Postgres,
): Promise<ContractServer> {
  await configure(root, name, fixtures, kubernetesHost, postgres);
  const anonymous = new VaultApi(root.address, '');
  const appToken = await login(anonymous, 'auth/kubernetes/login', fixtures.jwts.valid);
  const created = await root.write('auth/token/create', { policies: ['default'], ttl: '1h' });
  const defaultToken = (created?.auth as { client_token: string }).client_token;
  const revokedToken = await login(anonymous, 'auth/kubernetes/login', fixtures.jwts.valid);
  await root.write('auth/token/revoke', { token: revokedToken });
  const namespaceToken = await login(anonymous, 'auth/jwt/login', fixtures.jwts.valid, 'team1');
  const newLease = async (token = appToken): Promise<string> => {
    const answer = await anonymous.call('GET', 'database/creds/app', { token });
    const leaseId = answer.json?.lease_id;
    if (typeof leaseId !== 'string' || leaseId === '') throw new Error(`creds: ${answer.status} ${answer.text}`);
    return leaseId;
  };
  return {
    name,
    root,
    anonymous,
    appToken,
    defaultToken,
    namespaceToken,
    revokedToken,
    newLease,
    async revokedLease() {
      const leaseId = await newLease();
      await root.call('PUT', 'sys/leases/revoke', { body: { lease_id: leaseId } });
      return leaseId;
    },
    ...controls,
  };
}

export async function startContractServers(
  fixtures: ContractFixtures,
): Promise<{ openbao: ContractServer; devVault: ContractServer; stop(): Promise<void> }> {
  const teardown = new Teardown();
  try {
    const [bao, postgres, devVault] = await allSettled([
      teardown.add(startOpenBao(), (server) => server.stop()),
      teardown.add(startPostgres(), (server) => server.stop()),
      teardown.add(startDevVault(), (server) => server.stop()),
    ] as const);
    // OpenBao verifies pem_keys signatures and then asks TokenReview; the dev Vault does both
    // checks locally (it has no TokenReview client), so only OpenBao gets a reviewer.
    const tokenReview = await teardown.add(
      startTokenReview({ publicKeysPem: [fixtures.issuer.publicKeyPem], issuer: fixtures.issuer.issuer }),
      (fixture) => fixture.stop(),
    );
    const openbao = await serverOn(
      'openbao',
      bao.root,
      fixtures,
      { seal: () => bao.seal(), unseal: () => bao.unseal() },
      tokenReview.url,
      postgres,
    );
    const dev = await serverOn(
      'dev-vault',
      new VaultApi(devVault.address, devVault.rootToken),
      fixtures,
      {
        seal: () => {
          devVault.setFault({ kind: 'sealed' });
          return Promise.resolve();
        },
        unseal: () => {
          devVault.setFault(null);
          return Promise.resolve();
        },
      },
      'https://kubernetes.default.svc',
    );
    return { openbao, devVault: dev, stop: () => teardown.run() };
  } catch (error) {
    await teardown.run();
    throw error;
  }
}
