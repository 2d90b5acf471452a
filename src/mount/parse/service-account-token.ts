/**
 * Picks the pod's service-account JWT for our audience from what the driver passed
 * (`csi.storage.k8s.io/serviceAccount.tokens`, present when the CSIDriver has `tokenRequests`).
 * Kubernetes ≥ 1.35 with `serviceAccountTokenInSecrets: true` puts it in the request's
 * `secrets`; older clusters in `attributes`; we look in that order, as the driver does.
 *
 * Unlike the Go provider we do not mint a token with the TokenRequest API unless the operator
 * opts in (`-token-request-fallback`, src/kube/token-request-fallback.ts): that needs cluster-wide
 * `serviceaccounts/token` create rights for the provider, and the driver's token is the one
 * kubelet caches per pod. The error says how to configure the driver instead.
 * The token itself never appears in a message; audience names do (they are configuration).
 */
import * as z from 'zod';
import { InvalidParameterError, MissingServiceAccountTokenError } from '../../errors.js';
import type { PodInfo } from '../../vault/vault-identity.js';
import { SERVICE_ACCOUNT_TOKENS_KEY } from '../spec/parameter-names.js';

/** Mints the pod's token when the driver sent none (`-token-request-fallback`; `kube/` meets it). */
export interface ServiceAccountTokenMinter {
  /** A JWT for `pod`'s service account with `audience`; throws a ProviderError. */
  mint(pod: PodInfo, audience: string, signal: AbortSignal): Promise<string>;
}

/** The serialised `TokenRequestStatus` map: audience → { token, expirationTimestamp }. */
const TokensSchema = z.record(z.string(), z.unknown());
const TokenEntrySchema = z.looseObject({ token: z.string() });

/** At most this many audience names are listed in an error, each cut to a readable length. */
const MAX_LISTED_AUDIENCES = 10;

function listAudiences(audiences: readonly string[]): string {
  if (audiences.length === 0) return 'none';
  const shown = audiences
    .slice(0, MAX_LISTED_AUDIENCES)
    .map((audience) => JSON.stringify(audience.length > 80 ? `${audience.slice(0, 80)}…` : audience));
  const more = audiences.length > MAX_LISTED_AUDIENCES ? `, and ${audiences.length - MAX_LISTED_AUDIENCES} more` : '';
  return `${shown.join(', ')}${more}`;
}

function howToFix(audience: string): string {
  return (
    `add audience ${JSON.stringify(audience)} to the CSIDriver's tokenRequests ` +
    `(secrets-store-csi-driver Helm value tokenRequests[0].audience=${audience}) or set the audience parameter ` +
    `to an audience the driver sends`
  );
}

/**
 * The audience is configuration and is named in errors, unless it embeds a token the driver
 * sent (a mis-pasted SPC): then it is described, never echoed.
 */
function safeAudience(audience: string, raw: string | undefined): string {
  const hidden = '(value not shown: it contains a token)';
  if (JWT_SHAPE.test(audience)) return hidden;
  const tokens = [...(raw ?? '').matchAll(/"token"\s*:\s*"([^"]{8,})"/g)].map((match) => match[1] ?? '');
  return tokens.some((token) => token !== '' && audience.includes(token)) ? hidden : audience;
}

/** Three base64url segments joined by dots, the first a JSON header: a JWT. */
const JWT_SHAPE = /eyJ[\w-]*\.[\w-]+\.[\w-]+/;

export function selectServiceAccountToken(
  attributes: ReadonlyMap<string, string>,
  secrets: ReadonlyMap<string, string>,
  audience: string,
): string {
  const fromSecrets = secrets.get(SERVICE_ACCOUNT_TOKENS_KEY);
  const raw =
    fromSecrets !== undefined && fromSecrets !== '' ? fromSecrets : attributes.get(SERVICE_ACCOUNT_TOKENS_KEY);
  const prefix = `parameter "${SERVICE_ACCOUNT_TOKENS_KEY}"`;
  const shown = safeAudience(audience, raw);
  if (raw === undefined || raw === '') {
    throw new MissingServiceAccountTokenError(
      `${prefix}: the driver sent no service-account tokens, so there is none for audience ` +
        `${JSON.stringify(shown)}; ${howToFix(shown)}`,
    );
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    parsed = undefined;
  }
  const tokens = TokensSchema.safeParse(parsed);
  if (!tokens.success) {
    throw new InvalidParameterError(
      `${prefix}: is not a JSON object of audience → {token, expirationTimestamp} (content not shown)`,
    );
  }
  // Read from the parsed object itself with hasOwn: an audience may be any string, "__proto__" too.
  const map = parsed as Record<string, unknown>;
  const audiences = Object.keys(map);
  if (!Object.hasOwn(map, audience)) {
    throw new MissingServiceAccountTokenError(
      `${prefix}: no token for audience ${JSON.stringify(shown)} (the driver sent tokens for: ` +
        `${listAudiences(audiences)}); ${howToFix(shown)}`,
    );
  }
  const entry = TokenEntrySchema.safeParse(map[audience]);
  if (!entry.success || entry.data.token === '') {
    throw new MissingServiceAccountTokenError(
      `${prefix}: the entry for audience ${JSON.stringify(shown)} has no token (content not shown); ` +
        `check the CSIDriver's tokenRequests`,
    );
  }
  return entry.data.token;
}
