/**
 * The Mount RPC: adapts the gRPC call to the MountService, maps failures to status in one
 * place, and writes one audit line per call (who, what, versions, duration, result; never values).
 */
import type * as grpc from '@grpc/grpc-js';
import type { MountRequest__Output } from '../generated/v1alpha1/MountRequest.js';
import type { MountResponse } from '../generated/v1alpha1/MountResponse.js';
import type { MountInput, MountOutput, MountService } from '../mount/mount-service.js';
import type { MountSpec } from '../mount/spec/mount-spec.js';
import type { Logger } from '../observability/logger.js';
import type { ProviderMetrics } from '../observability/metrics.js';
import { isProviderError } from '../errors.js';
import { describeAddress } from '../vault/vault-http.js';
import { statusName, toGrpcFailure } from './grpc-status.js';
import { loggableError } from '../observability/safe-error.js';

export function createMountHandler(service: MountService, logger: Logger, metrics: ProviderMetrics) {
  return (
    call: grpc.ServerUnaryCall<MountRequest__Output, MountResponse>,
    callback: grpc.sendUnaryData<MountResponse>,
  ): void => {
    const started = performance.now();
    const cancelled = new AbortController();
    call.on('cancelled', () => cancelled.abort());
    const input: MountInput = {
      attributes: call.request.attributes,
      secrets: call.request.secrets,
      targetPath: call.request.targetPath,
      permission: call.request.permission,
      deadlineMs: deadlineOf(call),
      cancelled: cancelled.signal,
    };
    metrics.mountsInFlight.inc();
    let spec: MountSpec | undefined;
    const finish = (result: string, output?: MountOutput, failure?: { errorCode: string; details: string }) => {
      const seconds = (performance.now() - started) / 1000;
      metrics.mountsInFlight.dec();
      metrics.mountRequests.inc({ result });
      metrics.mountDuration.observe({ result }, seconds);
      const level = result === 'ok' ? 'info' : 'warn';
      logger[level](
        { ...auditLine(spec, output, result, seconds, failure), ...likelyTypos(service, spec, input.attributes) },
        'mount',
      );
    };
    service
      .parse(input)
      .then((parsed) => {
        spec = parsed;
        return service.mount(input, parsed);
      })
      .then(
        (output) => {
          finish('ok', output);
          callback(null, {
            objectVersion: output.objectVersions.map((version) => ({ id: version.id, version: version.version })),
            files: output.files.map((file) => ({ path: file.path, mode: file.mode, contents: file.contents })),
          });
        },
        (error: unknown) => {
          const failure = toGrpcFailure(error);
          if (!isProviderError(error)) {
            // A bug: keep its stack for us, but only its type; messages of foreign errors are not vetted.
            logger.error(loggableError(error), 'unexpected error in Mount');
          }
          finish(statusName(failure.code), undefined, failure);
          callback({ code: failure.code, details: failure.details });
        },
      );
  };
}

function deadlineOf(call: grpc.ServerUnaryCall<unknown, unknown>): number {
  const deadline = call.getDeadline();
  if (deadline instanceof Date) return deadline.getTime();
  return Number.isFinite(deadline) ? deadline : Number.POSITIVE_INFINITY;
}

/**
 * SPC parameters are a flat map the driver merges with volume attributes, so an unknown key
 * is tolerated; one that looks like a misspelt known parameter (`vaultAdress`) is named in the
 * audit line, because its value is silently not used.
 */
function likelyTypos(
  service: MountService,
  spec: MountSpec | undefined,
  attributes: string,
): { possiblyMisspeltParameters?: readonly string[] } {
  // The parse found them; when it failed (a typo often is why), the attributes are read for them alone.
  const typos = spec?.misspeltParameters ?? (spec === undefined ? service.misspeltParameters(attributes) : []);
  return typos.length === 0 ? {} : { possiblyMisspeltParameters: typos };
}

function auditLine(
  spec: MountSpec | undefined,
  output: MountOutput | undefined,
  result: string,
  seconds: number,
  failure?: { errorCode: string; details: string },
): Record<string, unknown> {
  const versions = new Map(output?.objectVersions.map((version) => [version.id, version.version]));
  return {
    audit: true,
    result,
    durationMs: Math.round(seconds * 1000),
    ...(spec === undefined
      ? {}
      : {
          pod: { namespace: spec.pod.namespace, name: spec.pod.name, uid: spec.pod.uid },
          serviceAccount: spec.pod.serviceAccountName,
          secretProviderClass: spec.secretProviderClass,
          role: spec.auth.roleName,
          authMount: spec.auth.mountPath,
          vaultAddress: describeAddress(spec.connection.address),
          vaultNamespace: spec.connection.namespace,
          objects: spec.objects.map((object) => ({
            name: object.objectName,
            path: object.secretPath.split('?')[0],
            method: object.method,
            ...(versions.has(object.objectName) ? { version: versions.get(object.objectName) } : {}),
            // Whether the bytes came from the lease cache (no new credential) or from Vault.
            ...(output?.sources?.has(object.objectName) ? { source: output.sources.get(object.objectName) } : {}),
          })),
        }),
    ...(failure === undefined ? {} : { errorCode: failure.errorCode, error: failure.details }),
  };
}
