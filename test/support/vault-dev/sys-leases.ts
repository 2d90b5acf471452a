/**
 * `sys/leases/{renew,revoke,lookup}` and the legacy `sys/renew`, `sys/revoke` aliases
 * (vault-api.md §4.2). Errors are plain 400 error responses, as the system backend returns them.
 */
import { parseDurationSeconds } from './durations.js';
import { empty, logical, type HandlerResult } from './envelope.js';
import { errorResponse, unsupportedOperation, unsupportedPath } from './errors.js';
import type { EngineRequest } from './state.js';

function leaseIdOf(request: EngineRequest, suffix: string): string {
  const fromBody = request.data.lease_id;
  if (typeof fromBody === 'string' && fromBody !== '') return fromBody;
  return suffix;
}

/** `path` is relative to `sys/`, e.g. `leases/renew` or `renew/<lease id>`. */
export function handleLeases(request: EngineRequest, path: string): HandlerResult {
  const match = /^(?:leases\/)?(renew|revoke|lookup)(?:\/(.*))?$/.exec(path);
  if (match === null) throw unsupportedPath();
  const [, action = '', suffix = ''] = match;
  if (path.startsWith('lookup') || (action === 'lookup' && request.operation === 'list')) throw unsupportedPath();
  if (request.operation !== 'create' && request.operation !== 'update') throw unsupportedOperation();
  const { leases } = request.core;
  const namespace = request.namespace.path;
  const id = leaseIdOf(request, suffix);
  if (action === 'lookup') {
    if (id === '') throw errorResponse('missing lease id');
    const lease = leases.find(id, namespace);
    if (lease === undefined) throw errorResponse('invalid lease');
    return logical({ data: leases.lookupData(lease), mountType: 'system' });
  }
  if (action === 'revoke') {
    if (id === '') throw errorResponse('lease_id must be specified');
    leases.revoke(id, namespace);
    const sync = request.data.sync;
    return empty(sync === false || sync === 'false' ? 202 : 204);
  }
  if (id === '') throw errorResponse('lease_id must be specified');
  if (id.startsWith('auth/')) throw errorResponse('tokens cannot be renewed through this endpoint');
  let increment: number | undefined;
  try {
    increment = parseDurationSeconds(request.data.increment, 'increment');
  } catch (error) {
    throw errorResponse((error as Error).message);
  }
  const renewed = leases.renew(id, namespace, increment);
  return logical({
    data: null,
    lease: { leaseId: renewed.lease.id, renewable: true, leaseDurationSeconds: renewed.ttlSeconds },
    warnings: renewed.warnings,
    mountType: 'system',
  });
}
