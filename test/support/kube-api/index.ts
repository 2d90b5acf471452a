/**
 * A fake Kubernetes API server over real HTTP(S), for the provider's few calls: Secrets (the HMAC
 * key), TokenRequest, pod list/watch, and SelfSubjectAccessReview (allowed unless `denyAccess`;
 * the fake enforces no RBAC on the calls themselves: inject 403s with `failNext`). Shapes follow the real server: Status objects for every
 * error, Bearer token check (401), string resourceVersions, PodList, newline-delimited watch
 * events, field selectors, bookmarks, timeoutSeconds, 410 after compaction, immutable Secrets.
 * One instance per test suite; `stop()` releases the port, timers and TLS files.
 */
import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import * as z from 'zod';
import { createTlsMaterial, removeTlsMaterial, type DevVaultTlsMaterial } from '../vault-dev/tls-material.js';
import type { ServiceAccountIssuer } from '../cluster/service-account-issuer.js';
import { PodStore, parseFieldSelector, type FakePod, type PodFixtureInput } from './pods.js';
import { SecretStore, type SecretAdmin } from './secrets.js';
import { failure, injectedFailure, requestInfo, sendJson, type RequestInfo, type StatusReason } from './status.js';
import { TokenRequests, type RecordedTokenRequest } from './token-requests.js';

export type { FakePod, PodFixtureInput } from './pods.js';
export type { FakeSecret, SecretAdmin, SecretInput } from './secrets.js';
export type { StatusObject, StatusReason } from './status.js';
export type { RecordedTokenRequest } from './token-requests.js';

export interface FakeKubeApiOptions {
  tls?: boolean;
  /** The bearer token the server accepts (change it with `setToken`). */
  token: string;
  /** The user named in Forbidden messages. */
  userName?: string;
}

export interface RecordedRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  /** HTTP status sent (0 while a response is not started). */
  status: number;
}

export interface FailureMatch {
  method?: string;
  /** Matches when the request path starts with this. */
  pathPrefix?: string;
  /** Only watch requests (true) or only non-watch requests (false). */
  watch?: boolean;
}

export interface PodAdmin {
  addPod(input: PodFixtureInput): FakePod;
  deletePod(uid: string): void;
  setPhase(uid: string, phase: string): void;
  /** Sends a BOOKMARK at the current resourceVersion to watches that allow bookmarks. */
  sendBookmark(): void;
  /** Destroys every watch connection (a network failure, not a clean end). */
  dropWatches(): void;
  readonly activeWatches: number;
}

export interface FakeKubeApi {
  readonly baseUrl: string;
  /** The CA that signed the server certificate (tls: true only). */
  readonly caPem?: string;
  readonly secrets: SecretAdmin;
  readonly pods: PodAdmin;
  readonly tokenRequests: readonly RecordedTokenRequest[];
  readonly requests: readonly RecordedRequest[];
  /** The current (latest) resourceVersion. */
  resourceVersion(): string;
  /** Forget pod history: the next watch from an older resourceVersion gets 410 (ERROR event). */
  compactHistory(): void;
  /** The next request matching `match` gets this status with a realistic Status body. */
  failNext(status: number, reason: StatusReason, match?: FailureMatch): void;
  /** The next request matching `match` is read and never answered (a stuck API server). */
  hangNext(match?: FailureMatch): void;
  setToken(token: string): void;
  /** SelfSubjectAccessReviews for this verb and resource (`pods`, `serviceaccounts/token`) answer not allowed. */
  denyAccess(verb: string, resource: string): void;
  /** The issuer that signs TokenRequest JWTs (verify with its publicKeyPem). */
  tokenSigner(): Promise<ServiceAccountIssuer>;
  stop(): Promise<void>;
}

const MAX_BODY_BYTES = 3 * 1024 * 1024;

export async function startFakeKubeApi(options: FakeKubeApiOptions): Promise<FakeKubeApi> {
  let rv = 1000;
  const clock = { now: () => rv, next: () => ++rv };
  const secrets = new SecretStore(clock);
  const pods = new PodStore(clock);
  const tokens = new TokenRequests((namespace, name) => pods.findByName(namespace, name));
  const requests: RecordedRequest[] = [];
  const failures: { status: number; reason: StatusReason; match: FailureMatch }[] = [];
  const hangs: FailureMatch[] = [];
  const user = options.userName ?? 'system:serviceaccount:csi:vault-csi-provider';
  const deniedAccess = new Set<string>();
  let token = options.token;

  const tls: { material: DevVaultTlsMaterial; cert: string; key: string } | undefined =
    options.tls === true
      ? await createTlsMaterial(Date.now()).then((b) => ({
          material: b.material,
          cert: b.serverCertPem,
          key: b.serverKeyPem,
        }))
      : undefined;

  async function handle(req: IncomingMessage, res: ServerResponse, record: RecordedRequest): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://fake');
    const reply = (status: number, body: unknown): void => {
      record.status = status;
      sendJson(res, status, body);
    };
    if (req.headers.authorization !== `Bearer ${token}`) {
      reply(401, failure(401, 'Unauthorized', 'Unauthorized'));
      return;
    }
    const info = requestInfo(req.method ?? 'GET', url.pathname, url.searchParams);
    const hang = hangs.findIndex((match) => matches(match, req.method ?? 'GET', url.pathname, info));
    if (hang !== -1) {
      hangs.splice(hang, 1);
      await readBody(req).catch(() => undefined);
      return; // Never answered: the client's own deadline or cancellation ends it (or stop()).
    }
    const injected = takeFailure(req.method ?? 'GET', url.pathname, info);
    if (injected !== undefined) {
      await readBody(req).catch(() => undefined);
      reply(injected.status, injectedFailure(injected.status, injected.reason, info, user));
      return;
    }
    if (req.method === 'POST' && url.pathname === '/apis/authorization.k8s.io/v1/selfsubjectaccessreviews') {
      reply(201, accessReview(await readBody(req), deniedAccess));
      return;
    }
    if (info === undefined) {
      reply(404, failure(404, 'NotFound', 'the server could not find the requested resource'));
      return;
    }
    const body = info.verb === 'create' || info.verb === 'update' ? await readBody(req) : undefined;
    if (body instanceof Error) {
      reply(400, failure(400, 'BadRequest', `error decoding request body: ${body.message}`));
      return;
    }
    const { verb, resource, subresource, namespace, name } = info;
    if (resource === 'secrets' && namespace !== undefined && subresource === undefined) {
      const result =
        verb === 'get' && name !== undefined
          ? secrets.handleGet(namespace, name)
          : verb === 'create' && name === undefined
            ? secrets.handleCreate(namespace, body)
            : verb === 'update' && name !== undefined
              ? secrets.handleUpdate(namespace, name, body)
              : verb === 'delete' && name !== undefined
                ? secrets.handleDelete(namespace, name)
                : undefined;
      if (result !== undefined) {
        reply(result.status, result.body);
        return;
      }
    }
    if (
      resource === 'serviceaccounts' &&
      subresource === 'token' &&
      verb === 'create' &&
      namespace !== undefined &&
      name !== undefined
    ) {
      const result = await tokens.handle(namespace, name, body);
      reply(result.status, result.body);
      return;
    }
    if (resource === 'pods' && name === undefined && (verb === 'list' || verb === 'watch')) {
      const selector = parseFieldSelector(url.searchParams.get('fieldSelector'));
      if ('error' in selector) {
        reply(400, selector.error);
        return;
      }
      const filter = (pod: FakePod): boolean =>
        (namespace === undefined || pod.metadata.namespace === namespace) && selector.filter(pod);
      if (verb === 'list') {
        const list = pods.list(filter);
        reply(200, {
          kind: 'PodList',
          apiVersion: 'v1',
          metadata: { resourceVersion: list.resourceVersion },
          items: list.items,
        });
        return;
      }
      const resourceVersion = url.searchParams.get('resourceVersion');
      const invalid = pods.checkWatchStart(resourceVersion);
      if (invalid !== undefined) {
        reply(400, invalid);
        return;
      }
      // The real server picks a random 30–60 min when the client sets none.
      const timeoutSeconds = Number(url.searchParams.get('timeoutSeconds') ?? '1800') || 1800;
      record.status = 200;
      pods.watch(res, {
        filter,
        resourceVersion,
        bookmarks: url.searchParams.get('allowWatchBookmarks') === 'true',
        timeoutSeconds,
      });
      return;
    }
    reply(405, failure(405, 'MethodNotAllowed', 'the server does not allow this method on the requested resource'));
  }

  function takeFailure(
    method: string,
    path: string,
    info: RequestInfo | undefined,
  ): (typeof failures)[number] | undefined {
    const index = failures.findIndex(({ match }) => matches(match, method, path, info));
    return index === -1 ? undefined : failures.splice(index, 1)[0];
  }

  function matches(match: FailureMatch, method: string, path: string, info: RequestInfo | undefined): boolean {
    return (
      (match.method === undefined || match.method === method) &&
      (match.pathPrefix === undefined || path.startsWith(match.pathPrefix)) &&
      (match.watch === undefined || match.watch === (info?.verb === 'watch'))
    );
  }

  const listener = (req: IncomingMessage, res: ServerResponse): void => {
    const url = new URL(req.url ?? '/', 'http://fake');
    const record: RecordedRequest = {
      method: req.method ?? 'GET',
      path: url.pathname,
      query: Object.fromEntries(url.searchParams),
      status: 0,
    };
    requests.push(record);
    handle(req, res, record).catch((error: unknown) => {
      if (!res.headersSent) {
        record.status = 500;
        sendJson(res, 500, failure(500, 'InternalError', `Internal error occurred: ${String(error)}`));
      } else res.destroy();
    });
  };

  const server: Server =
    tls === undefined ? createHttpServer(listener) : createHttpsServer({ cert: tls.cert, key: tls.key }, listener);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;

  return {
    baseUrl: `${tls === undefined ? 'http' : 'https'}://127.0.0.1:${port}`,
    ...(tls === undefined ? {} : { caPem: tls.material.caCertPem }),
    secrets,
    pods: {
      addPod: (input) => pods.add(input),
      deletePod: (uid) => pods.delete(uid),
      setPhase: (uid, phase) => pods.setPhase(uid, phase),
      sendBookmark: () => pods.bookmark(),
      dropWatches: () => pods.dropWatches(),
      get activeWatches() {
        return pods.activeWatches;
      },
    },
    tokenRequests: tokens.recorded,
    requests,
    resourceVersion: () => String(rv),
    compactHistory: () => pods.compact(),
    failNext: (status, reason, match = {}) => failures.push({ status, reason, match }),
    hangNext: (match = {}) => hangs.push(match),
    setToken: (next) => {
      token = next;
    },
    denyAccess: (verb, resource) => deniedAccess.add(`${verb} ${resource}`),
    tokenSigner: () => tokens.signer(),
    async stop() {
      pods.closeAll();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      if (tls !== undefined) await removeTlsMaterial(tls.material);
    },
  };
}

/** The real server's answer: the spec echoed, and whether RBAC allows it. */
function accessReview(body: unknown, denied: ReadonlySet<string>): object {
  const attributes = z
    .object({
      spec: z.object({
        resourceAttributes: z.object({ verb: z.string(), resource: z.string(), subresource: z.string().optional() }),
      }),
    })
    .parse(body).spec.resourceAttributes;
  const resource =
    attributes.subresource === undefined || attributes.subresource === ''
      ? attributes.resource
      : `${attributes.resource}/${attributes.subresource}`;
  const allowed = !denied.has(`${attributes.verb} ${resource}`);
  return {
    kind: 'SelfSubjectAccessReview',
    apiVersion: 'authorization.k8s.io/v1',
    metadata: {},
    spec: { resourceAttributes: attributes },
    status: allowed ? { allowed, reason: 'RBAC: allowed by ClusterRoleBinding' } : { allowed },
  };
}

async function readBody(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY_BYTES) return new Error('request entity too large');
    chunks.push(chunk);
  }
  const text = Buffer.concat(chunks).toString('utf8');
  if (text === '') return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    return error instanceof Error ? error : new Error('invalid JSON');
  }
}
