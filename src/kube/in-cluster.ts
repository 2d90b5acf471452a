/**
 * A small Kubernetes API client on undici, for the few calls the provider makes (HMAC key Secret,
 * TokenRequest, pod list/watch). One instance per process; it holds one keep-alive agent toward
 * the API server and the provider's own service-account token (see `bearer-token.ts`).
 *
 * Non-2xx answers throw `KubeApiError` with the Status `reason`; callers parse the bodies they
 * rely on with zod (`parseKubeResponse`). Nothing here logs: the token stays out of logs by design.
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Agent, request, type Dispatcher } from '../http/undici.js';
import * as z from 'zod';
import { RUNTIME_NAME, RUNTIME_VERSION } from '../version.js';
import { fileBearerToken, fixedBearerToken, type BearerTokenSource } from './bearer-token.js';
import { KubeApiError, statusError } from './kube-api-error.js';
import { bodyLines, parseJsonBody, readCappedText } from './response-body.js';
import { transportError } from './transport-error.js';

/** Where kubelet projects the pod's service-account token, CA bundle and namespace. */
export const SERVICE_ACCOUNT_DIR = '/var/run/secrets/kubernetes.io/serviceaccount';

/** A pod's view: the API server's address in the environment and a projected token file. */
export function runsInCluster(
  env: Readonly<Record<string, string | undefined>> = process.env,
  serviceAccountDir: string = SERVICE_ACCOUNT_DIR,
): boolean {
  const host = env.KUBERNETES_SERVICE_HOST;
  return host !== undefined && host !== '' && existsSync(join(serviceAccountDir, 'token'));
}

export const KUBE_CLIENT_DEFAULTS = {
  requestTimeoutMs: 30_000,
  connectTimeoutMs: 10_000,
  tokenMaxAgeMs: 60_000,
  /** A node's pod list is far below this; the cap only stops a broken server from filling memory. */
  maxResponseBytes: 32 * 1024 * 1024,
} as const;

export type KubeMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
export type KubeQuery = Readonly<Record<string, string | number | boolean | undefined>>;

export interface KubeTuning {
  readonly requestTimeoutMs?: number;
  readonly connectTimeoutMs?: number;
  /** Re-read the token file when the cached token is older than this. */
  readonly tokenMaxAgeMs?: number;
  readonly maxResponseBytes?: number;
}

export interface KubeClientOptions extends KubeTuning {
  /** `https://host:port` (or `http://` for tests). */
  readonly baseUrl: string;
  /** The provider's own namespace (HMAC key Secret lives there). */
  readonly namespace: string;
  /** Exactly one of `token` and `tokenFile`. */
  readonly token?: string;
  readonly tokenFile?: string;
  /** CA bundle for the API server's certificate; the system roots when absent. */
  readonly caPem?: string;
  /** Tests only: accept any server certificate. */
  readonly skipVerify?: boolean;
}

export interface InClusterOptions extends KubeTuning {
  /** Defaults to SERVICE_ACCOUNT_DIR; tests point it at a temp dir. */
  readonly serviceAccountDir?: string;
  /** Defaults to process.env. */
  readonly env?: Readonly<Record<string, string | undefined>>;
}

export interface KubeRequestOptions {
  readonly body?: unknown;
  readonly query?: KubeQuery;
  readonly signal?: AbortSignal;
  readonly timeoutMs?: number;
}

export interface KubeResponse {
  readonly status: number;
  /** Parsed JSON; `undefined` for an empty body. */
  readonly body: unknown;
}

export interface KubeStreamOptions {
  readonly query?: KubeQuery;
  readonly signal?: AbortSignal;
  /** Fail the stream when no byte arrives for this long (a half-dead connection). */
  readonly idleTimeoutMs: number;
}

const EnvSchema = z.object({
  KUBERNETES_SERVICE_HOST: z.string().trim().min(1, 'must be set (is this running in a pod?)'),
  KUBERNETES_SERVICE_PORT: z
    .string()
    .regex(/^\d{1,5}$/, 'must be a port number')
    .transform(Number)
    .refine((port) => port > 0 && port < 65_536, 'must be a port number'),
});

function positive(name: string, value: number | undefined, fallback: number): number {
  const chosen = value ?? fallback;
  if (!Number.isFinite(chosen) || chosen <= 0) {
    throw new KubeApiError('ERR_KUBE_INVALID_ARGUMENT', `KubeClient: option ${name} must be a positive number`);
  }
  return chosen;
}

const USER_AGENT = `${RUNTIME_NAME}/${RUNTIME_VERSION}`;

export class KubeClient {
  readonly baseUrl: string;
  readonly namespace: string;
  private readonly agent: Agent;
  private readonly token: BearerTokenSource;
  private readonly requestTimeoutMs: number;
  private readonly maxResponseBytes: number;

  constructor(options: KubeClientOptions) {
    let url: URL;
    try {
      url = new URL(options.baseUrl);
    } catch {
      throw new KubeApiError('ERR_KUBE_INVALID_ARGUMENT', 'KubeClient: option baseUrl must be an absolute URL');
    }
    if (url.protocol !== 'https:' && url.protocol !== 'http:') {
      throw new KubeApiError('ERR_KUBE_INVALID_ARGUMENT', 'KubeClient: option baseUrl must be http(s)');
    }
    if (options.namespace === '') {
      throw new KubeApiError('ERR_KUBE_INVALID_ARGUMENT', 'KubeClient: option namespace must not be empty');
    }
    if ((options.token === undefined) === (options.tokenFile === undefined)) {
      throw new KubeApiError('ERR_KUBE_INVALID_ARGUMENT', 'KubeClient: pass exactly one of token and tokenFile');
    }
    this.baseUrl = url.origin;
    this.namespace = options.namespace;
    this.requestTimeoutMs = positive(
      'requestTimeoutMs',
      options.requestTimeoutMs,
      KUBE_CLIENT_DEFAULTS.requestTimeoutMs,
    );
    this.maxResponseBytes = positive(
      'maxResponseBytes',
      options.maxResponseBytes,
      KUBE_CLIENT_DEFAULTS.maxResponseBytes,
    );
    const tokenMaxAgeMs = positive('tokenMaxAgeMs', options.tokenMaxAgeMs, KUBE_CLIENT_DEFAULTS.tokenMaxAgeMs);
    this.token =
      options.tokenFile === undefined
        ? fixedBearerToken(options.token ?? '')
        : fileBearerToken(options.tokenFile, { maxAgeMs: tokenMaxAgeMs });
    const connect: { timeout: number; ca?: string; rejectUnauthorized?: boolean } = {
      timeout: positive('connectTimeoutMs', options.connectTimeoutMs, KUBE_CLIENT_DEFAULTS.connectTimeoutMs),
    };
    if (options.caPem !== undefined) connect.ca = options.caPem;
    if (options.skipVerify === true) connect.rejectUnauthorized = false;
    this.agent = new Agent({ connect, keepAliveTimeout: 30_000 });
  }

  /** The configuration a pod gets: service-account files plus KUBERNETES_SERVICE_HOST/PORT. */
  static async inCluster(options: InClusterOptions = {}): Promise<KubeClient> {
    const dir = options.serviceAccountDir ?? SERVICE_ACCOUNT_DIR;
    const env = EnvSchema.safeParse(options.env ?? process.env);
    if (!env.success) {
      const issue = env.error.issues[0];
      throw new KubeApiError(
        'ERR_KUBE_CONFIG',
        `in-cluster Kubernetes config: ${issue?.path.join('.') ?? 'environment'} ${issue?.message ?? 'is invalid'}`,
      );
    }
    const host = env.data.KUBERNETES_SERVICE_HOST;
    // An IPv6 service IP needs brackets in a URL (`https://[fd00::1]:443`).
    const hostPart = host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
    // One after the other, so a missing directory is always reported by its first file.
    const caPem = await readConfigFile(join(dir, 'ca.crt'));
    const namespace = await readConfigFile(join(dir, 'namespace'));
    if (namespace.trim() === '') {
      throw new KubeApiError('ERR_KUBE_CONFIG', `in-cluster Kubernetes config: "${join(dir, 'namespace')}" is empty`);
    }
    const client = new KubeClient({
      ...tuning(options),
      baseUrl: `https://${hostPart}:${env.data.KUBERNETES_SERVICE_PORT}`,
      namespace: namespace.trim(),
      tokenFile: join(dir, 'token'),
      caPem,
    });
    try {
      // Fail at start, not on the first call, when the token is not there.
      await client.token.get();
    } catch (error) {
      await client.close();
      throw error;
    }
    return client;
  }

  /** One JSON request. Resolves for 2xx only; anything else throws `KubeApiError`. */
  async request(method: KubeMethod, path: string, options: KubeRequestOptions = {}): Promise<KubeResponse> {
    const what = `${method} ${path}`;
    const timeoutMs = options.timeoutMs ?? this.requestTimeoutMs;
    const timeout = AbortSignal.timeout(timeoutMs);
    const signal = options.signal === undefined ? timeout : AbortSignal.any([timeout, options.signal]);
    try {
      const response = await this.send(method, path, options.query, options.body, signal, {});
      const text = await readCappedText(response.body, this.maxResponseBytes, what);
      const body = parseJsonBody(text, what, response.statusCode);
      if (response.statusCode < 200 || response.statusCode > 299) {
        throw this.failure(what, response.statusCode, body);
      }
      return { status: response.statusCode, body };
    } catch (error) {
      throw transportError(error, what, this.baseUrl, {
        timedOutAfterMs: timeout.aborted ? timeoutMs : undefined,
        aborted: options.signal?.aborted === true,
      });
    }
  }

  /**
   * A streaming GET (a watch): resolves once a 2xx answer arrives, with the body's lines.
   * Breaking out of the iteration, or aborting `signal`, closes the connection.
   */
  async streamLines(path: string, options: KubeStreamOptions): Promise<AsyncGenerator<string, void, undefined>> {
    const what = `GET ${path} (watch)`;
    let response: Dispatcher.ResponseData;
    try {
      response = await this.send('GET', path, options.query, undefined, options.signal, {
        headersTimeout: this.requestTimeoutMs,
        bodyTimeout: options.idleTimeoutMs,
      });
      if (response.statusCode < 200 || response.statusCode > 299) {
        const text = await readCappedText(response.body, this.maxResponseBytes, what);
        throw this.failure(what, response.statusCode, parseJsonBody(text, what, response.statusCode));
      }
    } catch (error) {
      throw transportError(error, what, this.baseUrl, { aborted: options.signal?.aborted === true });
    }
    return this.lines(response.body, what, options.signal);
  }

  async close(): Promise<void> {
    await this.agent.close();
  }

  private async send(
    method: KubeMethod,
    path: string,
    query: KubeQuery | undefined,
    body: unknown,
    signal: AbortSignal | undefined,
    timeouts: { headersTimeout?: number; bodyTimeout?: number },
  ): Promise<Dispatcher.ResponseData> {
    if (!path.startsWith('/')) {
      throw new KubeApiError('ERR_KUBE_INVALID_ARGUMENT', `KubeClient: path must start with "/", got "${path}"`);
    }
    const url = new URL(path, this.baseUrl);
    for (const [name, value] of Object.entries(query ?? {})) {
      if (value !== undefined) url.searchParams.set(name, String(value));
    }
    const headers: Record<string, string> = {
      authorization: `Bearer ${await this.token.get()}`,
      accept: 'application/json',
      'user-agent': USER_AGENT,
    };
    if (body !== undefined) headers['content-type'] = 'application/json';
    return request(this.agent, url, {
      method,
      headers,
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      ...(signal === undefined ? {} : { signal }),
      ...timeouts,
    });
  }

  private async *lines(
    body: Dispatcher.ResponseData['body'],
    what: string,
    signal: AbortSignal | undefined,
  ): AsyncGenerator<string, void, undefined> {
    try {
      yield* bodyLines(body, this.maxResponseBytes, what);
    } catch (error) {
      throw transportError(error, what, this.baseUrl, { aborted: signal?.aborted === true });
    }
  }

  private failure(what: string, status: number, body: unknown): KubeApiError {
    // The file may hold a rotated token by now; read it again on the next call.
    if (status === 401) this.token.invalidate();
    return statusError(what, status, body);
  }
}

function tuning(options: KubeTuning): KubeTuning {
  const { requestTimeoutMs, connectTimeoutMs, tokenMaxAgeMs, maxResponseBytes } = options;
  return {
    ...(requestTimeoutMs === undefined ? {} : { requestTimeoutMs }),
    ...(connectTimeoutMs === undefined ? {} : { connectTimeoutMs }),
    ...(tokenMaxAgeMs === undefined ? {} : { tokenMaxAgeMs }),
    ...(maxResponseBytes === undefined ? {} : { maxResponseBytes }),
  };
}

async function readConfigFile(path: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'unreadable';
    throw new KubeApiError('ERR_KUBE_CONFIG', `in-cluster Kubernetes config: cannot read "${path}" (${code})`, {
      cause: error,
    });
  }
}
