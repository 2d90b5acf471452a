// How a MountRequest comes to be, in the two steps that really happen: kubelet builds the CSI
// NodePublishVolume request (volume context, secrets, tokens), then the driver turns it into the
// provider's MountRequest. Keeping the steps apart makes the merge order (who wins) explicit.
import type { MountRequest } from '../../generated/v1alpha1/MountRequest.js';
import { compareGoStrings, goJson, goQuote } from '../../go-compat/go-json.js';

/** One `authenticationv1.TokenRequestStatus`: struct field order is token, expirationTimestamp. */
export interface TokenRequestStatus {
  token: string;
  expirationTimestamp: string;
}

/** json.Marshal(map[string]string), as the driver marshals attributes and secrets; `null` is a nil map. */
export function goMarshalStringMap(record: Readonly<Record<string, string>> | null): string {
  return goJson(record);
}

/** json.Marshal(map[string]authenticationv1.TokenRequestStatus), as kubelet builds the tokens value. */
export function goMarshalTokenStatuses(statuses: Readonly<Record<string, TokenRequestStatus>>): string {
  const parts = Object.keys(statuses)
    .sort(compareGoStrings)
    .map((audience) => {
      const status = statuses[audience] ?? { token: '', expirationTimestamp: '' };
      return `${goQuote(audience)}:{"token":${goQuote(status.token)},"expirationTimestamp":${goQuote(status.expirationTimestamp)}}`;
    });
  return `{${parts.join(',')}}`;
}

/** The pod identity kubelet passes with podInfoOnMount. */
export interface DriverPod {
  namespace: string;
  name: string;
  uid: string;
  serviceAccountName: string;
}

export const attributeKeys = {
  secretProviderClass: 'secretProviderClass',
  podName: 'csi.storage.k8s.io/pod.name',
  podNamespace: 'csi.storage.k8s.io/pod.namespace',
  podUid: 'csi.storage.k8s.io/pod.uid',
  serviceAccountName: 'csi.storage.k8s.io/serviceAccount.name',
  ephemeral: 'csi.storage.k8s.io/ephemeral',
  serviceAccountTokens: 'csi.storage.k8s.io/serviceAccount.tokens',
} as const;

/** json.Marshal(os.FileMode(0644)): the only default mode the driver sends. */
export const defaultPermission = '420';

export interface SecretProviderClassFixture {
  name: string;
  /** spec.provider; names the socket. Defaults to 'vault'. */
  provider?: string;
  parameters: Record<string, string>;
}

export interface VolumeFixture {
  spc: SecretProviderClassFixture;
  /** The pod's inline volumeAttributes besides secretProviderClass; they override SPC parameters. */
  volumeAttributes?: Record<string, string>;
  /** nodePublishSecretRef data (decoded); absent means no reference, so `secrets` is "null". */
  nodePublishSecret?: Record<string, string>;
}

/** The parts of kubelet's NodePublishVolumeRequest the driver reads. */
export interface NodePublishContext {
  volumeContext: Record<string, string>;
  /** nil in Go when empty: protobuf does not carry an empty map. */
  secrets: Record<string, string> | null;
}

/**
 * Kubelet's side (csi_mounter): the pod's volumeAttributes, then pod info (podInfoOnMount wins
 * over the attributes), then the tokens JSON — in the volume context, or with
 * serviceAccountTokenInSecrets (KEP-5538) in the secrets map. Without tokenRequests kubelet adds
 * no tokens key, so a tokens key a pod author wrote into volumeAttributes passes through.
 */
export function buildNodePublishContext(
  pod: DriverPod,
  volume: VolumeFixture,
  tokens: Readonly<Record<string, TokenRequestStatus>> | undefined,
  tokensInSecrets: boolean,
): NodePublishContext {
  const attributes = volume.volumeAttributes ?? {};
  const declared = attributes[attributeKeys.secretProviderClass];
  if (declared !== undefined && declared !== volume.spc.name) {
    throw new Error(
      `volumeAttributes.secretProviderClass is ${JSON.stringify(declared)} but the fixture's SPC is ${JSON.stringify(volume.spc.name)}`,
    );
  }
  const volumeContext: Record<string, string> = {
    ...attributes,
    [attributeKeys.secretProviderClass]: volume.spc.name,
    [attributeKeys.podName]: pod.name,
    [attributeKeys.podNamespace]: pod.namespace,
    [attributeKeys.podUid]: pod.uid,
    [attributeKeys.serviceAccountName]: pod.serviceAccountName,
    [attributeKeys.ephemeral]: 'true',
  };
  const secrets: Record<string, string> = { ...(volume.nodePublishSecret ?? {}) };
  if (tokens !== undefined) {
    const tokensJson = goMarshalTokenStatuses(tokens);
    if (tokensInSecrets) secrets[attributeKeys.serviceAccountTokens] = tokensJson;
    else volumeContext[attributeKeys.serviceAccountTokens] = tokensJson;
  }
  return { volumeContext, secrets: Object.keys(secrets).length === 0 ? null : secrets };
}

const providerNamePattern = /^[a-zA-Z0-9_-]{0,30}$/;

/** The driver's preconditions on the SecretProviderClass; returns the reason it is unusable. */
export function secretProviderClassProblem(spc: SecretProviderClassFixture): string | undefined {
  const provider = spc.provider ?? 'vault';
  if (provider === '') return `failed to get provider from secretproviderclass ${spc.name}: provider not set`;
  if (!providerNamePattern.test(provider)) return `invalid provider ${JSON.stringify(provider)}`;
  if (Object.keys(spc.parameters).length === 0) {
    return `failed to get parameters from secretproviderclass ${spc.name}: parameters not set`;
  }
  return undefined;
}

/**
 * The driver's side (NodePublishVolume, v1.6.0): SPC parameters, every volume-context key copied
 * over them, then the tokens value read from `secrets` first and the volume context second and
 * written into the attributes. Everything is marshalled the way Go does.
 */
export function buildDriverMountRequest(
  spc: SecretProviderClassFixture,
  context: NodePublishContext,
  targetPath: string,
): MountRequest {
  const parameters: Record<string, string> = { ...spc.parameters, ...context.volumeContext };
  const key = attributeKeys.serviceAccountTokens;
  const fromSecrets =
    context.secrets !== null && Object.hasOwn(context.secrets, key) ? context.secrets[key] : undefined;
  const tokens = fromSecrets ?? (Object.hasOwn(context.volumeContext, key) ? context.volumeContext[key] : undefined);
  if (tokens !== undefined) parameters[key] = tokens;
  return {
    attributes: goMarshalStringMap(parameters),
    secrets: goMarshalStringMap(context.secrets),
    targetPath,
    permission: defaultPermission,
    // v1.6.0 passes nil old versions on every call, initial or republish.
    currentObjectVersion: [],
  };
}
