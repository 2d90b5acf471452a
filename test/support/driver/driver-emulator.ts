// The Secrets Store CSI driver v1.6.0 plus kubelet, as seen from a provider: builds the exact
// MountRequest, calls the provider over its socket, applies the driver's response checks and
// writes the files with the atomic writer. One emulator per provider socket (per test or suite).
import type { MountRequest } from '../../../src/generated/v1alpha1/MountRequest.js';
import type { PodFixture } from '../cluster/pod.js';
import type { ServiceAccountIssuer } from '../cluster/service-account-issuer.js';
import { publishVolume, type PublishOutcome } from '../../../src/cli/driver/publish-volume.js';
import { DriverErrorReason, DriverMountError } from '../../../src/cli/driver/driver-errors.js';
import type { TokenRequestStatus } from '../../../src/cli/driver/mount-request.js';
import {
  buildDriverMountRequest,
  buildNodePublishContext,
  secretProviderClassProblem,
  type VolumeFixture,
} from '../../../src/cli/driver/mount-request.js';
import {
  DRIVER_RETRY_BACKOFF,
  ProviderClient,
  versionTimeoutMs,
  type RetryBackoff,
} from '../../../src/cli/driver/provider-client.js';
import { startRepublishing, type RepublishOptions, type Republisher } from './republish.js';

export interface DriverEmulatorOptions {
  /** The provider's socket. */
  socketPath: string;
  issuer: ServiceAccountIssuer;
  /** CSIDriver spec.tokenRequests audiences; default ['vault']; [] means no tokenRequests. */
  tokenAudiences?: string[];
  /** CSIDriver tokenRequests expirationSeconds (the same for every audience); default 3600. */
  tokenExpirationSeconds?: number;
  /** CSIDriver serviceAccountTokenInSecrets (KEP-5538). */
  tokensInSecrets?: boolean;
  /** `:authority` to send; v1.6.0 sends 'localhost', older drivers sent the socket path. */
  authority?: string;
  /**
   * Backoff between the attempts of a call that failed with UNAVAILABLE; default the driver's
   * own (1 s, 1.1 s). The test harnesses pass `FAST_RETRY_BACKOFF` so a failure case does not
   * sleep two seconds; test/driver/driver-emulator.test.ts keeps the driver's timings.
   */
  retryBackoff?: RetryBackoff;
}

/** Retries after 10 ms and 11 ms: the driver's attempts and multiplier, without its waits. */
export const FAST_RETRY_BACKOFF: RetryBackoff = { initialMs: 10, maxMs: 50 };

/** The files the provider returned (as written), their versions, and whether the target changed. */
export type MountOutcome = PublishOutcome;

/** Kubelet's csiTimeout around NodePublishVolume; the driver adds none of its own. */
export const kubeletPublishTimeoutMs = 120_000;

// TokenRequest validation: at least 10 minutes.
const minTokenExpirationSeconds = 600;

export class DriverEmulator {
  readonly #options: Required<Omit<DriverEmulatorOptions, 'socketPath' | 'issuer' | 'retryBackoff'>> & {
    issuer: ServiceAccountIssuer;
  };
  readonly #client: ProviderClient;

  constructor(options: DriverEmulatorOptions) {
    if (options.socketPath === '') throw new Error('DriverEmulator: option socketPath must be a non-empty path');
    const tokenAudiences = options.tokenAudiences ?? ['vault'];
    if (new Set(tokenAudiences).size !== tokenAudiences.length) {
      // The API server rejects a CSIDriver whose tokenRequests repeat an audience.
      throw new Error('DriverEmulator: option tokenAudiences must not repeat an audience');
    }
    const tokenExpirationSeconds = options.tokenExpirationSeconds ?? 3600;
    if (!Number.isInteger(tokenExpirationSeconds) || tokenExpirationSeconds < minTokenExpirationSeconds) {
      throw new Error(
        `DriverEmulator: option tokenExpirationSeconds must be an integer >= ${minTokenExpirationSeconds}`,
      );
    }
    this.#options = {
      issuer: options.issuer,
      tokenAudiences: [...tokenAudiences],
      tokenExpirationSeconds,
      tokensInSecrets: options.tokensInSecrets ?? false,
      authority: options.authority ?? 'localhost',
    };
    this.#client = new ProviderClient(
      options.socketPath,
      this.#options.authority,
      options.retryBackoff ?? DRIVER_RETRY_BACKOFF,
    );
  }

  // One token per audience, minted on every (re)publish. Kubelet's token manager may instead hand
  // back the token it minted before until that nears expiry: tests that need this reuse a built request.
  async #requestTokens(pod: PodFixture): Promise<Record<string, TokenRequestStatus> | undefined> {
    const { tokenAudiences, issuer, tokenExpirationSeconds } = this.#options;
    if (tokenAudiences.length === 0) return undefined;
    const tokens: Record<string, TokenRequestStatus> = {};
    for (const audience of tokenAudiences) {
      tokens[audience] = await issuer.sign({
        namespace: pod.namespace,
        serviceAccountName: pod.serviceAccountName,
        podName: pod.name,
        podUid: pod.uid,
        // An empty audience asks for the API server's own audience (its issuer by default).
        audiences: [audience === '' ? issuer.issuer : audience],
        ttlSeconds: tokenExpirationSeconds,
      });
    }
    return tokens;
  }

  /** Exactly the MountRequest the driver would send for this pod and volume. */
  async buildRequest(pod: PodFixture, volume: VolumeFixture, targetPath: string): Promise<MountRequest> {
    const problem = secretProviderClassProblem(volume.spc);
    if (problem !== undefined) throw new DriverMountError(DriverErrorReason.InvalidSecretProviderClass, problem);
    const tokens = await this.#requestTokens(pod);
    const context = buildNodePublishContext(pod, volume, tokens, this.#options.tokensInSecrets);
    return buildDriverMountRequest(volume.spc, context, targetPath);
  }

  /**
   * One NodePublishVolume. Throws the grpc-js ServiceError unchanged when the provider fails the
   * call, a DriverMountError for the driver's own checks; files already mounted stay untouched
   * on every failure (the atomic writer validates before it writes).
   */
  async mount(
    pod: PodFixture,
    volume: VolumeFixture,
    targetPath: string,
    options: { deadlineMs?: number } = {},
  ): Promise<MountOutcome> {
    const request = await this.buildRequest(pod, volume, targetPath);
    return publishVolume(this.#client, request, targetPath, options.deadlineMs ?? kubeletPublishTimeoutMs);
  }

  /** The driver's optional provider health check (Version with a 5 s timeout). */
  async version(): Promise<{ version: string; runtimeName: string; runtimeVersion: string }> {
    const { version, runtimeName, runtimeVersion } = await this.#client.version(versionTimeoutMs);
    return { version, runtimeName, runtimeVersion };
  }

  /** Kubelet's periodic republish (requiresRepublish) of one volume until stopped. */
  republishEvery(
    intervalMs: number,
    pod: PodFixture,
    volume: VolumeFixture,
    targetPath: string,
    options: RepublishOptions = {},
  ): Republisher {
    return startRepublishing(
      (deadline) => this.mount(pod, volume, targetPath, deadline),
      intervalMs,
      targetPath,
      options,
    );
  }

  close(): void {
    this.#client.close();
  }
}
