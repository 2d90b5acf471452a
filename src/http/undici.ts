/**
 * The parts of undici the provider uses (the keep-alive Agent, `request`, the error classes),
 * loaded from their own files. undici's package entry also loads fetch, WebSocket, the cache
 * stores and, through their use of the `Headers` and `File` globals, Node's own bundled copy of
 * undici: about 6 MB of resident memory and 50 ms of start-up on every node, for code the provider
 * never calls (docs/benchmarks.md). The files are undici's CommonJS modules as published; the
 * version is pinned in package-lock.json and test/http/undici.test.ts fails if one moves.
 */
import type { Dispatcher } from 'undici';
import AgentClass from 'undici/lib/dispatcher/agent.js';
import apiRequest from 'undici/lib/api/api-request.js';
import undiciErrors from 'undici/lib/core/errors.js';

export const Agent = AgentClass;
export type Agent = InstanceType<typeof AgentClass>;
export const errors = undiciErrors;
export type { Dispatcher };

export type RequestOptions = Omit<Dispatcher.RequestOptions, 'origin' | 'path'>;

/** One HTTP exchange through `dispatcher`, as undici's top-level `request(url, options)`. */
export function request(dispatcher: Dispatcher, url: URL, options: RequestOptions): Promise<Dispatcher.ResponseData> {
  return apiRequest.call(dispatcher, { ...options, origin: url.origin, path: `${url.pathname}${url.search}` });
}
