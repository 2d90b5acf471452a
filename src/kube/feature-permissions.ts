/**
 * Which Kubernetes permissions each optional feature needs, checked once at start: the provider
 * asks the API server (SelfSubjectAccessReview, which every authenticated user may create)
 * whether its own service account may make the feature's calls. A missing permission stops the
 * start with the rules to grant and the Helm value that grants them, instead of a pod watch
 * that retries 403 for ever or a fallback that fails every Mount.
 *
 * When the question cannot be asked (API server unreachable, reviews not allowed) one warning is
 * logged and the start goes on: the features' own calls then report what fails.
 * The HMAC key Secret is not checked here: loading it at start already fails with its rules.
 */
import * as z from 'zod';
import type { Logger } from '../observability/logger.js';
import type { KubeClientHolder } from './kube-client-holder.js';

export interface AccessRule {
  readonly verb: string;
  readonly resource: string;
  readonly subresource?: string;
}

export interface KubeFeature {
  /** The provider flag that switches the feature on. */
  readonly flag: string;
  /** The Helm value that sets the flag and grants `rules` together. */
  readonly helmValue: string;
  /** Cluster-wide rules of the core API group ("") that the feature's calls need. */
  readonly rules: readonly AccessRule[];
}

export const TOKEN_REQUEST_FALLBACK_FEATURE: KubeFeature = {
  flag: '-token-request-fallback',
  helmValue: 'tokenRequestFallback.enabled=true',
  rules: [{ verb: 'create', resource: 'serviceaccounts', subresource: 'token' }],
};

export const POD_WATCH_FEATURE: KubeFeature = {
  flag: '-revoke-leases-of-deleted-pods',
  helmValue: 'leaseRevocation.enabled=true',
  rules: [
    { verb: 'list', resource: 'pods' },
    { verb: 'watch', resource: 'pods' },
  ],
};

export class MissingPermissionError extends Error {
  override readonly name = 'MissingPermissionError';
}

const ReviewSchema = z.looseObject({
  status: z.looseObject({ allowed: z.boolean(), reason: z.string().optional() }),
});

const REVIEWS_PATH = '/apis/authorization.k8s.io/v1/selfsubjectaccessreviews';

function describeRule(rule: AccessRule): string {
  const resource = rule.subresource === undefined ? rule.resource : `${rule.resource}/${rule.subresource}`;
  return `"${rule.verb}" on "${resource}"`;
}

/** Throws MissingPermissionError naming every denied rule of `features`; resolves otherwise. */
export async function requireFeaturePermissions(
  kube: KubeClientHolder,
  features: readonly KubeFeature[],
  logger: Logger,
): Promise<void> {
  if (features.length === 0) return;
  const problems: string[] = [];
  try {
    const client = await kube.get();
    for (const feature of features) {
      const denied: AccessRule[] = [];
      for (const rule of feature.rules) {
        const { body } = await client.request('POST', REVIEWS_PATH, {
          body: {
            apiVersion: 'authorization.k8s.io/v1',
            kind: 'SelfSubjectAccessReview',
            spec: { resourceAttributes: { group: '', ...rule } },
          },
        });
        if (!ReviewSchema.parse(body).status.allowed) denied.push(rule);
      }
      if (denied.length > 0) {
        problems.push(
          `${feature.flag} needs ${denied.map(describeRule).join(' and ')} in all namespaces (API group ""), ` +
            `and the provider's service account may not: with Helm set ${feature.helmValue} ` +
            `(it grants them and sets the flag) rather than passing the flag itself, or bind a ClusterRole with these rules`,
        );
      }
    }
  } catch (error) {
    logger.warn(
      { flags: features.map((feature) => feature.flag), reason: error instanceof Error ? error.message : 'error' },
      "could not check the provider's Kubernetes permissions at start; a feature that lacks one fails when used",
    );
    return;
  }
  if (problems.length > 0) throw new MissingPermissionError(problems.join('; '));
}
