/**
 * PKI secrets engine (vault-api.md §4.3): a generated root CA per mount and `issue/<role>`
 * returning a real key pair and a certificate signed by that CA, with Vault's field names,
 * TTL capping warning and 400 texts. Keys are generated with node:crypto (async).
 */
import { generateKeyPair, type KeyObject, type X509Certificate } from 'node:crypto';
import { isIP } from 'node:net';
import { promisify } from 'node:util';
import type forge from 'node-forge';
import { formatGoDuration, parseDurationSeconds, rfc3339Nano, SYSTEM_DEFAULT_TTL_SECONDS } from './durations.js';
import { empty, logical, type HandlerResult } from './envelope.js';
import { errorResponse, unsupportedOperation, unsupportedPath } from './errors.js';
import { base62, colonHex, randomSerial, withNamespaceSuffix } from './ids.js';
import type { Engine, EngineRequest, Existence } from './state.js';
import { buildCertificate } from './x509.js';
import { handleNamedRole } from './named-roles.js';

const generateKeyPairAsync = promisify(generateKeyPair);

export interface PkiRole {
  readonly allowedDomains: readonly string[];
  readonly allowSubdomains: boolean;
  /** Vault's default is false: `example.com` itself is refused unless this is set. */
  readonly allowBareDomains?: boolean;
  readonly allowAnyName?: boolean;
  readonly allowLocalhost?: boolean;
  readonly allowIpSans?: boolean;
  readonly ttlSeconds?: number;
  readonly maxTtlSeconds?: number;
  readonly generateLease?: boolean;
  readonly keyType?: 'rsa' | 'ec';
}

interface Ca {
  readonly pem: string;
  readonly x509: X509Certificate;
  readonly name: forge.asn1.Asn1;
  readonly key: KeyObject;
}

async function newKeyPair(type: 'rsa' | 'ec'): Promise<{ publicKey: KeyObject; privateKey: KeyObject }> {
  return type === 'rsa'
    ? generateKeyPairAsync('rsa', { modulusLength: 2048 })
    : generateKeyPairAsync('ec', { namedCurve: 'P-256' });
}

export class PkiEngine implements Engine {
  readonly type = 'pki';
  private readonly roles = new Map<string, PkiRole>();

  /** Use `PkiEngine.create` (key generation is async). */
  constructor(private readonly ca: Ca) {}

  /** A root CA valid 10 years from the injected clock, like `pki/root/generate/internal`. */
  static async create(nowMs: number, commonName = 'vault-dev PKI root'): Promise<PkiEngine> {
    const keys = await newKeyPair('rsa');
    const cert = buildCertificate({
      serial: randomSerial(),
      subjectCommonName: commonName,
      notBeforeMs: nowMs - 30_000,
      notAfterMs: nowMs + 10 * 365 * 86_400_000,
      publicKey: keys.publicKey,
      isCa: true,
      signingKey: keys.privateKey,
    });
    return new PkiEngine({ pem: cert.pem, x509: cert.x509, name: cert.name, key: keys.privateKey });
  }

  get caPem(): string {
    return this.ca.pem;
  }

  writeRole(name: string, role: PkiRole): void {
    this.roles.set(name, role);
  }

  existence(path: string): Existence {
    return path.startsWith('issue/') ? 'either' : path.startsWith('roles/') ? this.roles.has(path.slice(6)) : undefined;
  }

  async handle(request: EngineRequest): Promise<HandlerResult> {
    const [head, ...rest] = request.path.split('/');
    const name = rest.join('/');
    if (head === 'issue' && name !== '') {
      if (request.operation !== 'create' && request.operation !== 'update') throw unsupportedOperation();
      return this.issue(request, name);
    }
    if (head === 'roles') return this.handleRole(request, name);
    if (request.path === 'cert/ca' && request.operation === 'read') {
      return logical({ mountType: this.type, data: { certificate: this.ca.pem, revocation_time: 0 } });
    }
    throw unsupportedPath();
  }

  private handleRole(request: EngineRequest, name: string): HandlerResult {
    return handleNamedRole(
      request,
      name,
      this.roles,
      this.type,
      (role) => ({
        allow_any_name: role.allowAnyName ?? false,
        allow_bare_domains: role.allowBareDomains ?? false,
        allow_ip_sans: role.allowIpSans ?? true,
        allow_localhost: role.allowLocalhost ?? true,
        allow_subdomains: role.allowSubdomains,
        allowed_domains: [...role.allowedDomains],
        generate_lease: role.generateLease ?? false,
        key_type: role.keyType ?? 'rsa',
        max_ttl: role.maxTtlSeconds ?? 0,
        ttl: role.ttlSeconds ?? 0,
      }),
      () => {
        const d = request.data;
        const list = (v: unknown): string[] =>
          Array.isArray(v) ? v.map(String) : typeof v === 'string' && v !== '' ? v.split(',').map((s) => s.trim()) : [];
        const bool = (v: unknown): boolean | undefined => (v === undefined ? undefined : v === true || v === 'true');
        const keyType = d.key_type === 'ec' ? 'ec' : 'rsa';
        const role: PkiRole = {
          allowedDomains: list(d.allowed_domains),
          allowSubdomains: bool(d.allow_subdomains) ?? false,
          allowBareDomains: bool(d.allow_bare_domains) ?? false,
          allowAnyName: bool(d.allow_any_name) ?? false,
          allowLocalhost: bool(d.allow_localhost) ?? true,
          allowIpSans: bool(d.allow_ip_sans) ?? true,
          generateLease: bool(d.generate_lease) ?? false,
          keyType,
          ttlSeconds: parseDurationSeconds(d.ttl, 'ttl') ?? 0,
          maxTtlSeconds: parseDurationSeconds(d.max_ttl, 'max_ttl') ?? 0,
        };
        this.roles.set(name, role);
        return empty();
      },
    );
  }

  private nameAllowed(role: PkiRole, name: string): boolean {
    if (role.allowAnyName ?? false) return true;
    if (name === 'localhost' || name === 'localdomain') return role.allowLocalhost ?? true;
    return role.allowedDomains.some(
      (domain) =>
        (name === domain && (role.allowBareDomains ?? false)) || (role.allowSubdomains && name.endsWith(`.${domain}`)),
    );
  }

  private async issue(request: EngineRequest, roleName: string): Promise<HandlerResult> {
    const role = this.roles.get(roleName);
    if (role === undefined) throw errorResponse(`unknown role: ${roleName}`);
    const d = request.data;
    const format = typeof d.format === 'string' && d.format !== '' ? d.format : 'pem';
    if (!['pem', 'der', 'pem_bundle'].includes(format)) {
      throw errorResponse('the "format" path parameter must be "pem", "der", or "pem_bundle"');
    }
    const keyFormat =
      typeof d.private_key_format === 'string' && d.private_key_format !== '' ? d.private_key_format : 'der';
    if (keyFormat !== 'der' && keyFormat !== 'pkcs8') {
      throw errorResponse('the "private_key_format" path parameter must be "der" or "pkcs8"');
    }
    const commonName = typeof d.common_name === 'string' ? d.common_name.trim() : '';
    if (commonName === '') {
      throw errorResponse(
        'the common_name field is required, or must be provided in a CSR with "use_csr_common_name" set to true, unless "require_cn" is set to false',
      );
    }
    if (!this.nameAllowed(role, commonName)) throw errorResponse(`common name ${commonName} not allowed by this role`);
    const altNames = splitList(d.alt_names);
    for (const alt of altNames) {
      if (!this.nameAllowed(role, alt)) throw errorResponse(`subject alternate name ${alt} not allowed by this role`);
    }
    const ipSans = splitList(d.ip_sans);
    for (const ip of ipSans) {
      if (isIP(ip) === 0) throw errorResponse(`the value ${JSON.stringify(ip)} is not a valid IP address`);
      if (!(role.allowIpSans ?? true))
        throw errorResponse(`IP Subject Alternative Names are not allowed in this role, but was provided ${ip}`);
    }

    const nowMs = request.core.now();
    const warnings: string[] = [];
    const maxTtl =
      role.maxTtlSeconds !== undefined && role.maxTtlSeconds > 0 ? role.maxTtlSeconds : SYSTEM_DEFAULT_TTL_SECONDS;
    let ttl =
      parseDurationSeconds(d.ttl, 'ttl') ??
      (role.ttlSeconds !== undefined && role.ttlSeconds > 0 ? role.ttlSeconds : SYSTEM_DEFAULT_TTL_SECONDS);
    if (ttl > maxTtl) {
      warnings.push(
        `TTL ${JSON.stringify(formatGoDuration(ttl * 1000))} is longer than permitted maxTTL ${JSON.stringify(formatGoDuration(maxTtl * 1000))}, so maxTTL is being used`,
      );
      ttl = maxTtl;
    }
    const notAfterMs = nowMs + ttl * 1000;
    const caNotAfterMs = Date.parse(this.ca.x509.validTo);
    if (notAfterMs > caNotAfterMs) {
      throw errorResponse(
        `cannot satisfy request, as TTL would result in notAfter of ${rfc3339Nano(notAfterMs)} that is beyond the expiration of the CA certificate at ${rfc3339Nano(caNotAfterMs)}`,
      );
    }

    const keyType = role.keyType ?? 'rsa';
    const keys = await newKeyPair(keyType);
    const serial = randomSerial();
    const dnsNames = [...new Set([commonName, ...altNames])].filter((n) => isIP(n) === 0 && !n.includes('@'));
    const cert = buildCertificate({
      serial,
      subjectCommonName: commonName,
      notBeforeMs: nowMs - 30_000, // Vault backdates NotBefore 30 s for clock skew
      notAfterMs,
      publicKey: keys.publicKey,
      isCa: false,
      dnsNames,
      ipAddresses: ipSans,
      extKeyUsage: ['serverAuth', 'clientAuth'],
      issuer: { certificate: this.ca.x509, name: this.ca.name },
      signingKey: this.ca.key,
    });
    request.core.counters.certificatesIssued += 1;

    const keyExportType = keyFormat === 'pkcs8' ? 'pkcs8' : keyType === 'rsa' ? 'pkcs1' : 'sec1';
    const keyDer = keys.privateKey.export({ type: keyExportType, format: 'der' });
    const keyPem = keys.privateKey.export({ type: keyExportType, format: 'pem' }).toString().trim();
    const caDer = this.ca.x509.raw;
    const der = format === 'der';
    const certificate =
      format === 'pem_bundle' ? `${keyPem}\n${cert.pem}\n${this.ca.pem}` : der ? cert.der.toString('base64') : cert.pem;
    const issuingCa = der ? caDer.toString('base64') : this.ca.pem;
    const expiration = Math.floor(notAfterMs / 1000);

    let lease;
    if (role.generateLease ?? false) {
      const id = withNamespaceSuffix(`${request.fullPath}/${base62(24)}`, request.namespace.id);
      request.core.leases.issue({
        id,
        namespace: request.namespace.path,
        tokenId: request.token?.id ?? '',
        ttlSeconds: ttl,
        maxTtlSeconds: ttl,
        renewable: false,
        engine: this.type,
        subject: colonHex(serial),
      });
      lease = { leaseId: id, renewable: false, leaseDurationSeconds: expiration - Math.floor(nowMs / 1000) };
    }
    return logical({
      mountType: this.type,
      warnings,
      ...(lease === undefined ? {} : { lease }),
      data: {
        ca_chain: [issuingCa],
        certificate,
        expiration,
        issuing_ca: issuingCa,
        private_key: der ? keyDer.toString('base64') : keyPem,
        private_key_type: keyType,
        serial_number: colonHex(serial),
      },
    });
  }
}

function splitList(value: unknown): string[] {
  const items = Array.isArray(value) ? value.map(String) : typeof value === 'string' ? value.split(',') : [];
  return items.map((s) => s.trim()).filter((s) => s !== '');
}
