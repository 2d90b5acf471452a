/**
 * A raw Vault-API client for tests: what an operator's `bao`/`vault` CLI would send, over real
 * HTTP(S), against OpenBao or the dev Vault alike. `call` returns every answer as it came;
 * `write`/`read` are for set-up and throw on anything but 2xx with the server's own errors.
 */
import { request, type Dispatcher } from 'undici';

export interface ApiAnswer {
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly text: string;
  /** The parsed body; undefined for an empty or non-JSON body. */
  readonly json: Record<string, unknown> | undefined;
}

export interface CallOptions {
  /** Defaults to the client's token; null sends none. */
  readonly token?: string | null;
  readonly namespace?: string;
  readonly body?: unknown;
  readonly headers?: Readonly<Record<string, string>>;
}

export class VaultApi {
  constructor(
    readonly address: string,
    readonly token: string,
    private readonly dispatcher?: Dispatcher,
  ) {}

  /** The same server with another token (e.g. a pod's, to act as it). */
  withToken(token: string): VaultApi {
    return new VaultApi(this.address, token, this.dispatcher);
  }

  async call(method: string, path: string, options: CallOptions = {}): Promise<ApiAnswer> {
    const headers: Record<string, string> = { ...options.headers };
    const token = options.token === undefined ? this.token : options.token;
    if (token !== null) headers['x-vault-token'] = token;
    if (options.namespace !== undefined) headers['x-vault-namespace'] = options.namespace;
    const body = options.body === undefined ? undefined : JSON.stringify(options.body);
    const response = await request(`${this.address}/v1/${path.replace(/^\/+/, '')}`, {
      method,
      headers,
      ...(body === undefined ? {} : { body }),
      ...(this.dispatcher === undefined ? {} : { dispatcher: this.dispatcher }),
    });
    const text = await response.body.text();
    let json: Record<string, unknown> | undefined;
    try {
      json = text === '' ? undefined : (JSON.parse(text) as Record<string, unknown>);
    } catch {
      json = undefined;
    }
    return { status: response.statusCode, headers: response.headers, text, json };
  }

  /** A set-up write; throws with the server's answer unless it is 2xx. */
  async write(path: string, body: unknown = {}, namespace?: string): Promise<Record<string, unknown> | undefined> {
    const answer = await this.call('POST', path, { body, ...(namespace === undefined ? {} : { namespace }) });
    if (answer.status < 200 || answer.status > 299) {
      throw new Error(
        `POST ${path}${namespace === undefined ? '' : ` in namespace ${namespace}`}: ${answer.status} ${answer.text}`,
      );
    }
    return answer.json;
  }

  async read(path: string, namespace?: string): Promise<Record<string, unknown>> {
    const answer = await this.call('GET', path, namespace === undefined ? {} : { namespace });
    if (answer.status !== 200 || answer.json === undefined) {
      throw new Error(`GET ${path}: ${answer.status} ${answer.text}`);
    }
    return answer.json;
  }
}
