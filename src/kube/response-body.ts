/**
 * Reading API server bodies (per response): whole JSON bodies with a size cap, and watch streams
 * as newline-delimited JSON lines. Every path out of a stream (end, error, consumer stops early)
 * destroys the body, so no socket outlives its watch.
 */
import { StringDecoder } from 'node:string_decoder';
import type { Dispatcher } from 'undici';
import { readBodyText } from '../http/read-body.js';
import { KubeApiError } from './kube-api-error.js';

type Body = Dispatcher.ResponseData['body'];

/** A whole body, at most `maxBytes` (`http/read-body.ts`). */
export function readCappedText(body: Body, maxBytes: number, what: string): Promise<string> {
  return readBodyText(
    body,
    maxBytes,
    () => new KubeApiError('ERR_KUBE_BAD_RESPONSE', `${what}: response larger than ${maxBytes} bytes`),
  );
}

/** Parses a body; empty → undefined. A non-JSON error page (a proxy) is not an error of its own. */
export function parseJsonBody(text: string, what: string, status: number): unknown {
  if (text.trim() === '') return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    if (status < 200 || status > 299) return undefined;
    throw new KubeApiError('ERR_KUBE_BAD_RESPONSE', `${what}: response is not JSON`, { cause: error });
  }
}

/** The non-empty lines of a streaming body; one line (one watch event) may not exceed `maxBytes`. */
export async function* bodyLines(body: Body, maxBytes: number, what: string): AsyncGenerator<string, void, undefined> {
  // A multi-byte character may straddle two chunks; the decoder keeps the partial bytes.
  const decoder = new StringDecoder('utf8');
  let pending = '';
  try {
    for await (const chunk of body as AsyncIterable<Buffer>) {
      pending += decoder.write(chunk);
      let newline = pending.indexOf('\n');
      while (newline !== -1) {
        const line = pending.slice(0, newline).trim();
        pending = pending.slice(newline + 1);
        if (line !== '') yield line;
        newline = pending.indexOf('\n');
      }
      if (pending.length > maxBytes) {
        throw new KubeApiError('ERR_KUBE_BAD_RESPONSE', `${what}: event larger than ${maxBytes} bytes`);
      }
    }
    const last = (pending + decoder.end()).trim();
    if (last !== '') yield last;
  } finally {
    if (!body.destroyed) body.destroy();
  }
}
