// The driver's gRPC client for one provider socket (v1.6.0 provider_client.go): insecure unix
// transport, `:authority` localhost, its default service config and 4 MiB receive limit.
// Lives as long as the emulator, as the driver caches one client per provider name.
import * as grpc from '@grpc/grpc-js';
import { loadProviderProto } from '../../provider-proto.js';
import type { CSIDriverProviderClient } from '../../generated/v1alpha1/CSIDriverProvider.js';
import type { MountRequest } from '../../generated/v1alpha1/MountRequest.js';
import type { MountResponse__Output } from '../../generated/v1alpha1/MountResponse.js';
import type { VersionResponse__Output } from '../../generated/v1alpha1/VersionResponse.js';

/** The driver's default service config, with the key spelling grpc-js expects. */
export const driverServiceConfig = {
  methodConfig: [
    {
      name: [{ service: 'v1alpha1.CSIDriverProvider' }],
      waitForReady: true,
      retryPolicy: {
        maxAttempts: 3,
        initialBackoff: '1s',
        maxBackoff: '10s',
        backoffMultiplier: 1.1,
        retryableStatusCodes: ['UNAVAILABLE'],
      },
    },
  ],
};

/** --max-call-recv-msg-size default. */
export const driverMaxReceiveMessageBytes = 4 * 1024 * 1024;

/** The health check's Version timeout. */
export const versionTimeoutMs = 5000;

/**
 * The `:authority` a <= v1.5.x driver sent: it dialled the bare socket path, so grpc-go used the
 * path as authority, percent-encoding every byte RFC 3986 does not allow there (recent grpc-go).
 * Node's HTTP/2 server resets streams whose authority holds a raw `/`, so only this encoded form
 * reaches a Node provider; drivers built with a grpc-go that did not encode cannot talk to one.
 */
export function legacyDriverAuthority(socketPath: string): string {
  let out = '';
  for (const byte of Buffer.from(socketPath, 'utf8')) {
    const c = String.fromCharCode(byte);
    out += /[A-Za-z0-9\-_.~!$&'()*+,;=:[\]@]/.test(c) ? c : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

export class ProviderClient {
  readonly #client: CSIDriverProviderClient;

  constructor(socketPath: string, authority: string) {
    const proto = loadProviderProto();
    this.#client = new proto.v1alpha1.CSIDriverProvider(`unix:${socketPath}`, grpc.credentials.createInsecure(), {
      'grpc.default_authority': authority,
      'grpc.service_config': JSON.stringify(driverServiceConfig),
      'grpc.max_receive_message_length': driverMaxReceiveMessageBytes,
    });
  }

  // grpc-js parses waitForReady in a service config but does not act on it, so it is set per call:
  // a socket nobody serves makes the call wait for its deadline, as with the Go driver.
  #callMetadata(): grpc.Metadata {
    return new grpc.Metadata({ waitForReady: true });
  }

  mount(request: MountRequest, deadlineMs: number): Promise<MountResponse__Output> {
    return new Promise((resolve, reject) => {
      this.#client.Mount(request, this.#callMetadata(), { deadline: Date.now() + deadlineMs }, (error, response) => {
        if (error) reject(error);
        else if (response === undefined) reject(new Error('Mount returned neither a response nor an error'));
        else resolve(response);
      });
    });
  }

  version(deadlineMs: number): Promise<VersionResponse__Output> {
    return new Promise((resolve, reject) => {
      this.#client.Version(
        { version: 'v1alpha1' },
        this.#callMetadata(),
        { deadline: Date.now() + deadlineMs },
        (error, response) => {
          if (error) reject(error);
          else if (response === undefined) reject(new Error('Version returned neither a response nor an error'));
          else resolve(response);
        },
      );
    });
  }

  close(): void {
    this.#client.close();
  }
}
