/**
 * `POST .../serviceaccounts/<sa>/token` of the fake API server: validates the TokenRequest as the
 * real server does (minimum 10 minutes, bound pod must exist, have the same uid and run as that
 * service account), signs a real JWT with the shared test issuer, and records every request.
 * Every service account is assumed to exist.
 */
import { createServiceAccountIssuer, type ServiceAccountIssuer } from '../cluster/service-account-issuer.js';
import type { FakePod } from './pods.js';
import { failure, type StatusObject } from './status.js';

export const DEFAULT_API_AUDIENCE = 'https://kubernetes.default.svc.cluster.local';

export interface RecordedTokenRequest {
  namespace: string;
  serviceAccountName: string;
  audiences: string[];
  expirationSeconds: number;
  boundObjectRef: { kind?: string; apiVersion?: string; name?: string; uid?: string } | undefined;
}

export interface TokenReply {
  status: number;
  body: unknown;
}

export class TokenRequests {
  readonly recorded: RecordedTokenRequest[] = [];
  private issuer: Promise<ServiceAccountIssuer> | undefined;

  constructor(private readonly findPod: (namespace: string, name: string) => FakePod | undefined) {}

  /** The signing issuer (ES256, generated on first use); tests verify tokens with its public key. */
  signer(): Promise<ServiceAccountIssuer> {
    this.issuer ??= createServiceAccountIssuer({ algorithm: 'ES256' });
    return this.issuer;
  }

  async handle(namespace: string, serviceAccountName: string, body: unknown): Promise<TokenReply> {
    const reject = (status: number, error: StatusObject): TokenReply => ({ status, body: error });
    const object = (typeof body === 'object' && body !== null ? body : {}) as Record<string, unknown>;
    const spec = (object.spec ?? {}) as Record<string, unknown>;
    const audiences = Array.isArray(spec.audiences)
      ? spec.audiences.filter((a): a is string => typeof a === 'string')
      : [];
    const expirationSeconds = typeof spec.expirationSeconds === 'number' ? spec.expirationSeconds : 3600;
    const ref = spec.boundObjectRef as RecordedTokenRequest['boundObjectRef'];
    this.recorded.push({ namespace, serviceAccountName, audiences, expirationSeconds, boundObjectRef: ref });

    const what = `TokenRequest.authentication.k8s.io "${serviceAccountName}"`;
    if (expirationSeconds < 600) {
      const detail = `Invalid value: ${expirationSeconds}: may not specify a duration less than 10 minutes`;
      return reject(
        422,
        failure(422, 'Invalid', `${what} is invalid: spec.expirationSeconds: ${detail}`, {
          name: serviceAccountName,
          group: 'authentication.k8s.io',
          kind: 'TokenRequest',
          causes: [{ reason: 'FieldValueInvalid', message: detail, field: 'spec.expirationSeconds' }],
        }),
      );
    }
    let pod: FakePod | undefined;
    if (ref !== undefined) {
      if (ref.kind !== 'Pod' || ref.name === undefined) {
        return reject(400, failure(400, 'BadRequest', `cannot bind token to object of type ${String(ref.kind)}`));
      }
      pod = this.findPod(namespace, ref.name);
      if (pod === undefined) {
        return reject(404, failure(404, 'NotFound', `pods "${ref.name}" not found`, { name: ref.name, kind: 'pods' }));
      }
      if (ref.uid !== undefined && ref.uid !== pod.metadata.uid) {
        const message = `the UID in the bound object reference (${ref.uid}) does not match the UID in record. The object might have been deleted and then recreated`;
        return reject(409, failure(409, 'Conflict', message));
      }
      if (pod.spec.serviceAccountName !== serviceAccountName) {
        const message = `cannot bind token for serviceaccount "${serviceAccountName}" to pod running with different serviceaccount name.`;
        return reject(400, failure(400, 'BadRequest', message));
      }
    }
    const effectiveAudiences = audiences.length > 0 ? audiences : [DEFAULT_API_AUDIENCE];
    const signed = await (
      await this.signer()
    ).sign({
      namespace,
      serviceAccountName,
      podName: pod?.metadata.name ?? '',
      podUid: pod?.metadata.uid ?? '',
      audiences: effectiveAudiences,
      ttlSeconds: expirationSeconds,
    });
    return {
      status: 201,
      body: {
        kind: 'TokenRequest',
        apiVersion: 'authentication.k8s.io/v1',
        metadata: { name: serviceAccountName, namespace, creationTimestamp: null },
        spec: {
          audiences: effectiveAudiences,
          expirationSeconds,
          ...(ref === undefined ? {} : { boundObjectRef: ref }),
        },
        status: signed,
      },
    };
  }
}
