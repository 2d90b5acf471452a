/**
 * JWT auth (vault-api.md §2.2) with `jwt_validation_pubkeys` (local validation only; no JWKS or
 * OIDC discovery here). Unlike kubernetes auth, every validation failure is a 400 error response.
 */
import type { KeyObject } from 'node:crypto';
import { issueLogin, mountDisplayPrefix, parseTokenFields, tokenFieldsData, type TokenFields } from './auth-common.js';
import { empty, logical, type HandlerResult } from './envelope.js';
import { errorResponse, unsupportedOperation, unsupportedPath } from './errors.js';
import { audiences, parsePublicKeys, stringList, verifyJwt } from './jwt-verify.js';
import type { Engine, EngineRequest, Existence } from './state.js';
import { handleNamedRole } from './named-roles.js';

export interface JwtConfig {
  readonly publicKeysPem: readonly string[];
  readonly boundIssuer: string;
  readonly defaultRole: string;
}

export interface JwtRole {
  readonly roleType: 'jwt' | 'oidc';
  readonly boundAudiences: readonly string[];
  readonly userClaim: string;
  readonly boundSubject: string;
  readonly token: TokenFields;
}

/** The plugin's default expiration_leeway (150 s). */
const LEEWAY_SECONDS = 150;

export class JwtAuthEngine implements Engine {
  readonly type = 'jwt';
  private config: JwtConfig | undefined;
  private keys: KeyObject[] = [];
  private readonly roles = new Map<string, JwtRole>();

  configure(config: JwtConfig): void {
    this.keys = parsePublicKeys(config.publicKeysPem);
    this.config = config;
  }

  writeRole(name: string, role: JwtRole): void {
    if (role.userClaim === '') throw errorResponse('a user claim must be defined on the role');
    if (role.roleType === 'jwt' && role.boundAudiences.length === 0 && role.boundSubject === '') {
      throw errorResponse('must have at least one bound constraint when creating/updating a role');
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
          bound_issuer: this.config.boundIssuer,
          default_role: this.config.defaultRole,
          jwks_url: '',
          jwt_supported_algs: [],
          jwt_validation_pubkeys: [...this.config.publicKeysPem],
          oidc_discovery_url: '',
        },
      });
    }
    if (request.operation !== 'create' && request.operation !== 'update') throw unsupportedOperation();
    const d = request.data;
    const keys = stringList(d.jwt_validation_pubkeys);
    if (keys.length === 0) {
      throw errorResponse("exactly one of 'jwt_validation_pubkeys', 'jwks_url' or 'oidc_discovery_url' must be set");
    }
    try {
      this.configure({
        publicKeysPem: keys,
        boundIssuer: typeof d.bound_issuer === 'string' ? d.bound_issuer : '',
        defaultRole: typeof d.default_role === 'string' ? d.default_role : '',
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
        bound_audiences: [...role.boundAudiences],
        bound_subject: role.boundSubject,
        role_type: role.roleType,
        user_claim: role.userClaim,
        ...tokenFieldsData(role.token),
      }),
      () => {
        const d = request.data;
        this.writeRole(name, {
          // Vault's default role_type is "oidc", which JWT login then refuses.
          roleType: d.role_type === 'jwt' ? 'jwt' : 'oidc',
          boundAudiences: stringList(d.bound_audiences),
          userClaim: typeof d.user_claim === 'string' ? d.user_claim : '',
          boundSubject: typeof d.bound_subject === 'string' ? d.bound_subject : '',
          token: parseTokenFields(d),
        });
        return empty();
      },
    );
  }

  private async login(request: EngineRequest): Promise<HandlerResult> {
    const config = this.config;
    const requested = typeof request.data.role === 'string' ? request.data.role : '';
    const roleName = requested === '' ? (config?.defaultRole ?? '') : requested;
    if (roleName === '') throw errorResponse('missing role');
    const role = this.roles.get(roleName);
    if (role === undefined) throw errorResponse(`role ${JSON.stringify(roleName)} could not be found`);
    if (role.roleType === 'oidc') throw errorResponse('role with oidc role_type is not allowed');
    const jwt = typeof request.data.jwt === 'string' ? request.data.jwt : '';
    if (jwt === '') throw errorResponse('missing token');
    if (config === undefined) throw errorResponse('could not load configuration');

    const check = await verifyJwt(jwt, this.keys, request.core.now(), LEEWAY_SECONDS);
    if (!check.ok) {
      // Texts as OpenBao 2.7.2 answers (test/real/contract).
      const reason = {
        malformed: 'error verifying token signature: go-jose/go-jose: compact JWS format must have three parts',
        signature: 'error verifying token signature: no known key successfully validated the token signature',
        expired: 'invalid expiration time (exp) claim: token is expired',
        'not-yet-valid': 'invalid not before (nbf) claim: token is not valid yet',
      }[check.reason];
      throw errorResponse(`error validating token: ${reason}`);
    }
    const claims = check.claims;
    if (config.boundIssuer !== '' && claims.iss !== config.boundIssuer) {
      throw errorResponse('error validating token: invalid issuer (iss) claim');
    }
    const tokenAudiences = audiences(claims);
    if (role.boundAudiences.length > 0) {
      if (!tokenAudiences.some((a) => role.boundAudiences.includes(a))) {
        throw errorResponse(
          'error validating token: invalid audience (aud) claim: audience claim does not match any expected audience',
        );
      }
    } else if (tokenAudiences.length > 0) {
      throw errorResponse('audience claim found in JWT but no audiences bound to the role');
    }
    if (role.boundSubject !== '' && claims.sub !== role.boundSubject) {
      throw errorResponse('error validating token: invalid subject (sub) claim');
    }
    const userValue = (claims as Record<string, unknown>)[role.userClaim];
    if (userValue === undefined || userValue === null || userValue === '') {
      throw errorResponse(`claim ${JSON.stringify(role.userClaim)} not found in token`);
    }
    const user = typeof userValue === 'string' ? userValue : JSON.stringify(userValue);
    return issueLogin(request, {
      fields: role.token,
      mountType: this.type,
      aliasName: user,
      displayName: `${mountDisplayPrefix(request.mountPath)}-${user}`,
      meta: { role: roleName },
    });
  }
}
