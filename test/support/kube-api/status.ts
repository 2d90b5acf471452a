/**
 * `metav1.Status` bodies as the API server writes them (apimachinery `errors.New*`), and the
 * request attributes (verb, resource, namespace, name) the server derives from a path, used for
 * realistic Forbidden/NotFound messages. Lives for one fake server.
 */
import type { ServerResponse } from 'node:http';

export type StatusReason =
  | 'BadRequest'
  | 'Unauthorized'
  | 'Forbidden'
  | 'NotFound'
  | 'AlreadyExists'
  | 'Conflict'
  | 'Gone'
  | 'Expired'
  | 'Invalid'
  | 'MethodNotAllowed'
  | 'TooManyRequests'
  | 'InternalError'
  | 'ServiceUnavailable'
  | 'Timeout';

export interface StatusDetails {
  name?: string;
  group?: string;
  kind?: string;
  uid?: string;
  causes?: { reason: string; message: string; field: string }[];
  retryAfterSeconds?: number;
}

export interface StatusObject {
  kind: 'Status';
  apiVersion: 'v1';
  metadata: Record<string, never>;
  status: 'Failure' | 'Success';
  message?: string;
  reason?: StatusReason;
  details?: StatusDetails;
  code: number;
}

export function failure(code: number, reason: StatusReason, message: string, details?: StatusDetails): StatusObject {
  return {
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: 'Failure',
    message,
    reason,
    ...(details === undefined ? {} : { details }),
    code,
  };
}

export function success(details: StatusDetails): StatusObject {
  return { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success', details, code: 200 };
}

/** The attributes the API server's RequestInfo resolver derives from a request. */
export interface RequestInfo {
  verb: 'get' | 'list' | 'watch' | 'create' | 'update' | 'patch' | 'delete';
  resource: string;
  subresource: string | undefined;
  namespace: string | undefined;
  name: string | undefined;
}

/** Parses `/api/v1[/namespaces/<ns>]/<resource>[/<name>[/<subresource>]]`; undefined for other paths. */
export function requestInfo(method: string, pathname: string, query: URLSearchParams): RequestInfo | undefined {
  const parts = pathname
    .split('/')
    .filter((part) => part !== '')
    .map(decodeURIComponent);
  if (parts[0] !== 'api' || parts[1] !== 'v1') return undefined;
  let rest = parts.slice(2);
  let namespace: string | undefined;
  if (rest[0] === 'namespaces' && rest.length >= 3) {
    namespace = rest[1];
    rest = rest.slice(2);
  }
  const [resource, name, subresource, ...extra] = rest;
  if (resource === undefined || extra.length > 0) return undefined;
  const watch = query.get('watch') === 'true' || query.get('watch') === '1';
  const verbs: Record<string, RequestInfo['verb']> = {
    GET: name === undefined ? (watch ? 'watch' : 'list') : 'get',
    POST: 'create',
    PUT: 'update',
    PATCH: 'patch',
    DELETE: 'delete',
  };
  const verb = verbs[method];
  if (verb === undefined) return undefined;
  return { verb, resource, subresource, namespace, name };
}

const GENERIC_MESSAGES: Partial<Record<StatusReason, string>> = {
  Gone: 'too old resource version',
  Expired: 'too old resource version',
  TooManyRequests: 'Too many requests, please try again later.',
  InternalError: 'Internal error occurred: injected failure',
  ServiceUnavailable: 'The server is currently unable to handle the request',
  Unauthorized: 'Unauthorized',
};

/** The message the real server would give for `reason` on this request (for injected failures). */
export function injectedFailure(
  code: number,
  reason: StatusReason,
  info: RequestInfo | undefined,
  user: string,
): StatusObject {
  const resource =
    info === undefined
      ? 'unknown'
      : info.subresource === undefined
        ? info.resource
        : `${info.resource}/${info.subresource}`;
  const subject = info?.name === undefined ? resource : `${info.resource} "${info.name}"`;
  const scope = info?.namespace === undefined ? 'at the cluster scope' : `in the namespace "${info.namespace}"`;
  const details = info?.name === undefined ? undefined : { name: info.name, kind: info.resource };
  switch (reason) {
    case 'Forbidden':
      return failure(
        code,
        reason,
        `${subject} is forbidden: User "${user}" cannot ${info?.verb ?? 'get'} resource "${resource}" in API group "" ${scope}`,
        details,
      );
    case 'NotFound':
      return failure(code, reason, `${subject} not found`, details);
    case 'AlreadyExists':
      return failure(code, reason, `${subject} already exists`, details);
    case 'Conflict':
      return failure(
        code,
        reason,
        `Operation cannot be fulfilled on ${subject}: the object has been modified; please apply your changes to the latest version and try again`,
        details,
      );
    default:
      return failure(code, reason, GENERIC_MESSAGES[reason] ?? reason, details);
  }
}

export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}
