/**
 * Kubernetes auth (vault-api.md §2.1). There is no Kubernetes API here, so the JWT is verified
 * locally against the configured `pem_keys`; the TokenReview step is the authority only when no
 * keys are configured, and it can never succeed here (403 permission denied, like a failed
 * review). Validation order and bodies follow the plugin's code path exactly.
 */
import type { KeyObject } from 'node:crypto';
import { issueLogin, mountDisplayPrefix, parseTokenFields, tokenFieldsData, type TokenFields } from './auth-common.js';
import { empty, logical, type HandlerResult } from './envelope.js';
import { errorResponse, unsupportedOperation, unsupportedPath } from './errors.js';
import { audiences, globMatch, parsePublicKeys, stringList, verifyJwt } from './jwt-verify.js';
import type { Engine, EngineRequest, Existence } from './state.js';
import { handleNamedRole } from './named-roles.js';

export interface KubernetesConfig {
  readonly kubernetesHost: string;
  readonly pemKeys: readonly string[];
  readonly issuer: string;
  readonly disableIssValidation: boolean;
}

export interface KubernetesRole {
  readonly boundServiceAccountNames: readonly string[];
  readonly boundServiceAccountNamespaces: readonly string[];
  readonly audience?: string;
  readonly token: TokenFields;
}

/** go-jose's default leeway for exp/nbf. */
const LEEWAY_SECONDS = 60;

export class KubernetesAuthEngine implements Engine {
  readonly type = 'kubernetes';
  private config: KubernetesConfig | undefined;
  private keys: KeyObject[] = [];
  private readonly roles = new Map<string, KubernetesRole>();

  configure(config: KubernetesConfig): void {
    this.keys = parsePublicKeys(config.pemKeys);
    this.config = config;
  }

  writeRole(name: string, role: KubernetesRole): void {
    if (role.boundServiceAccountNames.length === 0)
      throw errorResponse('"bound_service_account_names" can not be empty');
    if (role.boundServiceAccountNamespaces.length === 0)
      throw errorResponse('"bound_service_account_namespaces" can not be empty');
    if (role.boundServiceAccountNames.includes('*') && role.boundServiceAccountNamespaces.includes('*')) {
      throw errorResponse('service_account_names and service_account_namespaces can not both be "*"');
    }
    this.roles.set(name, role);
  }

  existence(path: string): Existence {
    return path.startsWith('role/') ? this.roles.has(path.slice(5)) : undefined;
  }

  async handle(request: EngineRequest): Promise<HandlerResult> {
    if (request.path === 'login') {
      if (request.operation !== 'create' && request.operation !== 'update') throw unsupportedOperation();
      return this.login(request);
    }
    if (request.path === 'config') return this.handleConfig(request);
    if (request.path === 'role' || request.path.startsWith('role/'))
      return this.handleRole(request, request.path.slice(5));
    throw unsupportedPath();
  }

  private handleConfig(request: EngineRequest): HandlerResult {
    if (request.operation === 'read') {
      if (this.config === undefined) return empty();
      return logical({
        mountType: this.type,
        data: {
          disable_iss_validation: this.config.disableIssValidation,
          disable_local_ca_jwt: false,
          issuer: this.config.issuer,
          kubernetes_ca_cert: '',
          kubernetes_host: this.config.kubernetesHost,
          pem_keys: [...this.config.pemKeys],
        },
      });
    }
    if (request.operation !== 'create' && request.operation !== 'update') throw unsupportedOperation();
    const d = request.data;
    const host = typeof d.kubernetes_host === 'string' ? d.kubernetes_host : '';
    if (host === '') throw errorResponse('no host provided');
    try {
      this.configure({
        kubernetesHost: host,
        pemKeys: stringList(d.pem_keys),
        issuer: typeof d.issuer === 'string' ? d.issuer : '',
        disableIssValidation:
          d.disable_iss_validation === undefined
            ? true
            : d.disable_iss_validation === true || d.disable_iss_validation === 'true',
      });
    } catch (error) {
      throw errorResponse((error as Error).message);
    }
    return empty();
  }

  private handleRole(request: EngineRequest, name: string): HandlerResult {
    return handleNamedRole(
      request,
      name,
      this.roles,
      this.type,
      (role) => ({
        alias_name_source: 'serviceaccount_uid',
        audience: role.audience ?? '',
        bound_service_account_names: [...role.boundServiceAccountNames],
        bound_service_account_namespaces: [...role.boundServiceAccountNamespaces],
        ...tokenFieldsData(role.token),
      }),
      () => {
        const d = request.data;
        const audience = typeof d.audience === 'string' && d.audience !== '' ? d.audience : undefined;
        this.writeRole(name, {
          boundServiceAccountNames: stringList(d.bound_service_account_names),
          boundServiceAccountNamespaces: stringList(d.bound_service_account_namespaces),
          ...(audience === undefined ? {} : { audience }),
          token: parseTokenFields(d),
        });
        // The plugin warns (but accepts) when no audience is bound.
        return audience === undefined
          ? logical({
              mountType: this.type,
              data: null,
              warnings: [
                'This role does not have an audience. In Vault v1.21+, specifying an audience on roles will be required.',
              ],
            })
          : empty();
      },
    );
  }

  private async login(request: EngineRequest): Promise<HandlerResult> {
    const roleName = typeof request.data.role === 'string' ? request.data.role : '';
    const jwt = typeof request.data.jwt === 'string' ? request.data.jwt : '';
    if (roleName === '') throw errorResponse('missing role');
    if (jwt === '') throw errorResponse('missing jwt');
    const role = this.roles.get(roleName);
    if (role === undefined) throw errorResponse(`invalid role name ${JSON.stringify(roleName)}`);
    const config = this.config;
    if (config === undefined) throw errorResponse('could not load backend configuration');

    // No pem_keys: the claims would be read unverified and TokenReview decides; no cluster here → denied.
    if (this.keys.length === 0) throw errorResponse('permission denied', 403);
    const check = await verifyJwt(jwt, this.keys, request.core.now(), LEEWAY_SECONDS);
    if (!check.ok) {
      // Texts as OpenBao 2.7.2 answers (test/real/contract); a JWT that does not parse is
      // refused like a bad signature.
      if (check.reason === 'expired') throw errorResponse('invalid expiration time (exp) claim: token is expired', 403);
      if (check.reason === 'not-yet-valid')
        throw errorResponse('invalid not before (nbf) claim: token is not valid yet', 403);
      throw errorResponse('permission denied', 403);
    }
    const claims = check.claims;
    if (!config.disableIssValidation && config.issuer !== '' && claims.iss !== config.issuer) {
      throw errorResponse('go-jose/go-jose/jwt: validation failed, invalid issuer claim (iss)', 403);
    }
    if (role.audience !== undefined && !audiences(claims).includes(role.audience)) {
      throw errorResponse('invalid audience (aud) claim: audience claim does not match any expected audience', 403);
    }
    const identity = serviceAccountOf(claims);
    if (!role.boundServiceAccountNames.some((p) => globMatch(p, identity.name))) {
      throw errorResponse('service account name not authorized', 403);
    }
    if (!role.boundServiceAccountNamespaces.some((p) => globMatch(p, identity.namespace))) {
      throw errorResponse('namespace not authorized', 403);
    }
    return issueLogin(request, {
      fields: role.token,
      mountType: this.type,
      aliasName: identity.uid,
      displayName: `${mountDisplayPrefix(request.mountPath)}-${identity.namespace}-${identity.name}`,
      meta: {
        role: roleName,
        service_account_name: identity.name,
        service_account_namespace: identity.namespace,
        service_account_secret_name: identity.secretName,
        service_account_uid: identity.uid,
      },
    });
  }
}

interface ServiceAccountIdentity {
  readonly name: string;
  readonly namespace: string;
  readonly uid: string;
  readonly secretName: string;
}

/** Projected-token claims (`kubernetes.io.{namespace,serviceaccount}`), else the legacy secret-token claims. */
function serviceAccountOf(claims: Record<string, unknown>): ServiceAccountIdentity {
  const str = (v: unknown): string => (typeof v === 'string' ? v : '');
  const k8s = claims['kubernetes.io'];
  if (k8s !== null && typeof k8s === 'object') {
    const projected = k8s as Record<string, unknown>;
    const sa = (projected.serviceaccount ?? {}) as Record<string, unknown>;
    return { name: str(sa.name), namespace: str(projected.namespace), uid: str(sa.uid), secretName: '' };
  }
  return {
    name: str(claims['kubernetes.io/serviceaccount/service-account.name']),
    namespace: str(claims['kubernetes.io/serviceaccount/namespace']),
    uid: str(claims['kubernetes.io/serviceaccount/service-account.uid']),
    secretName: str(claims['kubernetes.io/serviceaccount/secret.name']),
  };
}
