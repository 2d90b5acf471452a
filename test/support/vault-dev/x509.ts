/**
 * A minimal X.509 v3 certificate builder: node-forge's ASN.1 DER encoder for the structure and
 * node:crypto for keys and signatures. forge's own certificate API only handles RSA; building the
 * DER ourselves lets the same code sign with EC keys (fast TLS material) and RSA (PKI issue).
 */
import { createHash, sign, X509Certificate, type KeyObject } from 'node:crypto';
import { isIP } from 'node:net';
import forge from 'node-forge';

const { asn1 } = forge;
const U = asn1.Class.UNIVERSAL;
const T = asn1.Type;
/**
 * Context-specific tags ([0], [2], [3], [7]) go in forge's `type` slot; these enum members have
 * the same numeric values.
 */
const TAG = { 0: T.NONE, 2: T.INTEGER, 3: T.BITSTRING, 7: T.ODESC } as const;

export interface CertificateSpec {
  readonly serial: Buffer;
  readonly subjectCommonName: string;
  readonly subjectOrganization?: string;
  readonly notBeforeMs: number;
  readonly notAfterMs: number;
  readonly publicKey: KeyObject;
  readonly isCa: boolean;
  readonly dnsNames?: readonly string[];
  readonly ipAddresses?: readonly string[];
  readonly extKeyUsage?: readonly ('serverAuth' | 'clientAuth')[];
  /** Omit for a self-signed certificate. */
  readonly issuer?: { readonly certificate: X509Certificate; readonly name: forge.asn1.Asn1 };
  readonly signingKey: KeyObject;
}

export interface BuiltCertificate {
  readonly pem: string;
  readonly der: Buffer;
  readonly x509: X509Certificate;
  /** The subject Name, kept to become the issuer of certificates this one signs. */
  readonly name: forge.asn1.Asn1;
}

const bin = (buffer: Buffer): string => buffer.toString('binary');
const seq = (items: forge.asn1.Asn1[]): forge.asn1.Asn1 => asn1.create(U, T.SEQUENCE, true, items);
const oid = (value: string): forge.asn1.Asn1 => asn1.create(U, T.OID, false, asn1.oidToDer(value).getBytes());
const octets = (value: forge.asn1.Asn1 | Buffer): forge.asn1.Asn1 =>
  asn1.create(U, T.OCTETSTRING, false, Buffer.isBuffer(value) ? bin(value) : asn1.toDer(value).getBytes());

function integer(bytes: Buffer): forge.asn1.Asn1 {
  const positive = (bytes[0] ?? 0) & 0x80 ? Buffer.concat([Buffer.from([0]), bytes]) : bytes;
  return asn1.create(U, T.INTEGER, false, bin(positive));
}

function time(ms: number): forge.asn1.Asn1 {
  const date = new Date(Math.floor(ms / 1000) * 1000);
  return date.getUTCFullYear() < 2050
    ? asn1.create(U, T.UTCTIME, false, asn1.dateToUtcTime(date))
    : asn1.create(U, T.GENERALIZEDTIME, false, asn1.dateToGeneralizedTime(date));
}

function name(commonName: string, organization?: string): forge.asn1.Asn1 {
  const rdn = (type: string, value: string): forge.asn1.Asn1 =>
    asn1.create(U, T.SET, true, [seq([oid(type), asn1.create(U, T.UTF8, false, forge.util.encodeUtf8(value))])]);
  const rdns = organization === undefined ? [] : [rdn('2.5.4.10', organization)];
  return seq([...rdns, rdn('2.5.4.3', commonName)]);
}

/** KeyUsage BIT STRING from bit numbers (0 = digitalSignature, 2 = keyEncipherment, 5 = keyCertSign, 6 = cRLSign). */
function keyUsage(bits: readonly number[]): forge.asn1.Asn1 {
  let byte = 0;
  for (const bit of bits) byte |= 0x80 >> bit;
  const unused = Math.min(...bits.map((b) => 7 - b));
  return asn1.create(U, T.BITSTRING, false, String.fromCharCode(unused, byte));
}

function extension(id: string, critical: boolean, value: forge.asn1.Asn1 | Buffer): forge.asn1.Asn1 {
  const parts = [oid(id)];
  if (critical) parts.push(asn1.create(U, T.BOOLEAN, false, '\xff'));
  return seq([...parts, octets(value)]);
}

function algorithm(key: KeyObject): forge.asn1.Asn1 {
  return key.asymmetricKeyType === 'rsa'
    ? seq([oid('1.2.840.113549.1.1.11'), asn1.create(U, T.NULL, false, '')]) // sha256WithRSAEncryption
    : seq([oid('1.2.840.10045.4.3.2')]); // ecdsa-with-SHA256
}

function keyId(publicKey: KeyObject): Buffer {
  return createHash('sha1')
    .update(publicKey.export({ type: 'spki', format: 'der' }))
    .digest();
}

function ipBytes(ip: string): Buffer {
  if (isIP(ip) === 4) return Buffer.from(ip.split('.').map(Number));
  const full = new URL(`http://[${ip}]/`).hostname.slice(1, -1);
  const [head = '', tail = ''] = full.split('::');
  const h = head === '' ? [] : head.split(':');
  const t = tail === '' ? [] : tail.split(':');
  const groups = full.includes('::') ? [...h, ...Array<string>(8 - h.length - t.length).fill('0'), ...t] : h;
  return Buffer.from(groups.flatMap((g) => [parseInt(g, 16) >> 8, parseInt(g, 16) & 0xff]));
}

export function buildCertificate(spec: CertificateSpec): BuiltCertificate {
  const subject = name(spec.subjectCommonName, spec.subjectOrganization);
  const issuerName = spec.issuer?.name ?? subject;
  const issuerKey = spec.issuer === undefined ? spec.publicKey : spec.issuer.certificate.publicKey;
  const extensions = [
    extension('2.5.29.19', true, seq(spec.isCa ? [asn1.create(U, T.BOOLEAN, false, '\xff')] : [])),
    extension('2.5.29.15', true, keyUsage(spec.isCa ? [0, 5, 6] : [0, 2])),
    extension('2.5.29.14', false, octets(keyId(spec.publicKey))),
    extension(
      '2.5.29.35',
      false,
      seq([asn1.create(asn1.Class.CONTEXT_SPECIFIC, TAG[0], false, bin(keyId(issuerKey)))]),
    ),
  ];
  if (spec.extKeyUsage !== undefined && spec.extKeyUsage.length > 0) {
    const ids = { serverAuth: '1.3.6.1.5.5.7.3.1', clientAuth: '1.3.6.1.5.5.7.3.2' };
    extensions.push(extension('2.5.29.37', false, seq(spec.extKeyUsage.map((u) => oid(ids[u])))));
  }
  const sans = [
    ...(spec.dnsNames ?? []).map((d) => asn1.create(asn1.Class.CONTEXT_SPECIFIC, TAG[2], false, d)),
    ...(spec.ipAddresses ?? []).map((ip) => asn1.create(asn1.Class.CONTEXT_SPECIFIC, TAG[7], false, bin(ipBytes(ip)))),
  ];
  if (sans.length > 0) extensions.push(extension('2.5.29.17', false, seq(sans)));

  const tbs = seq([
    asn1.create(asn1.Class.CONTEXT_SPECIFIC, TAG[0], true, [asn1.create(U, T.INTEGER, false, '\x02')]),
    integer(spec.serial),
    algorithm(spec.signingKey),
    issuerName,
    seq([time(spec.notBeforeMs), time(spec.notAfterMs)]),
    subject,
    asn1.fromDer(bin(spec.publicKey.export({ type: 'spki', format: 'der' }))),
    asn1.create(asn1.Class.CONTEXT_SPECIFIC, TAG[3], true, [seq(extensions)]),
  ]);
  const tbsDer = Buffer.from(asn1.toDer(tbs).getBytes(), 'binary');
  const signature = sign('sha256', tbsDer, spec.signingKey);
  const certificate = seq([
    tbs,
    algorithm(spec.signingKey),
    asn1.create(U, T.BITSTRING, false, `\x00${bin(signature)}`),
  ]);
  const der = Buffer.from(asn1.toDer(certificate).getBytes(), 'binary');
  return { pem: derToPem(der), der, x509: new X509Certificate(der), name: subject };
}

/** PEM without a trailing newline, as Vault returns certificates (it trims the Go encoder's). */
export function derToPem(der: Buffer, label = 'CERTIFICATE'): string {
  const lines = der.toString('base64').match(/.{1,64}/g) ?? [];
  return `-----BEGIN ${label}-----\n${lines.join('\n')}\n-----END ${label}-----`;
}
