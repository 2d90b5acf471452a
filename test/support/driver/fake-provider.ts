// A scriptable CSIDriverProvider server on a unix socket, for testing the emulator itself (and
// anything else that needs "some provider" on the other end). Records every call it receives.
import * as grpc from '@grpc/grpc-js';
import type { MountRequest__Output } from '../../../src/generated/v1alpha1/MountRequest.js';
import type { MountResponse } from '../../../src/generated/v1alpha1/MountResponse.js';
import type { VersionRequest__Output } from '../../../src/generated/v1alpha1/VersionRequest.js';
import type { VersionResponse } from '../../../src/generated/v1alpha1/VersionResponse.js';
import { loadProviderProto } from '../../../src/provider-proto.js';

export interface ReceivedCall<Request> {
  request: Request;
  /** The `:authority` the client sent. */
  authority: string;
  metadata: grpc.Metadata;
  /** The deadline the client set, as grpc-js reports it. */
  deadline: grpc.Deadline;
}

/** Throw this from a handler to fail the call with a gRPC status. */
export class ProviderStatus extends Error {
  readonly code: grpc.status;
  readonly details: string;

  constructor(code: grpc.status, details: string) {
    super(details);
    this.code = code;
    this.details = details;
  }
}

export interface FakeProviderHandlers {
  mount?: (request: MountRequest__Output) => MountResponse | Promise<MountResponse>;
  version?: (request: VersionRequest__Output) => VersionResponse | Promise<VersionResponse>;
}

export interface FakeProvider {
  readonly mountCalls: ReceivedCall<MountRequest__Output>[];
  readonly versionCalls: ReceivedCall<VersionRequest__Output>[];
  /** Swap the behaviour mid-test (e.g. rotate content, start failing). */
  handlers: FakeProviderHandlers;
  close(): Promise<void>;
}

function toServiceError(error: unknown): Partial<grpc.StatusObject> {
  if (error instanceof ProviderStatus) return { code: error.code, details: error.details };
  return { code: grpc.status.INTERNAL, details: error instanceof Error ? error.message : String(error) };
}

function unary<Request, Response>(
  calls: ReceivedCall<Request>[],
  handler: () => ((request: Request) => Response | Promise<Response>) | undefined,
): grpc.handleUnaryCall<Request, Response> {
  return (call, callback) => {
    calls.push({
      request: call.request,
      authority: call.getHost(),
      metadata: call.metadata,
      deadline: call.getDeadline(),
    });
    const handle = handler();
    if (handle === undefined) {
      callback({ code: grpc.status.UNIMPLEMENTED, details: 'not scripted' });
      return;
    }
    Promise.resolve()
      .then(() => handle(call.request))
      .then(
        (response) => {
          callback(null, response);
        },
        (error: unknown) => {
          callback(toServiceError(error));
        },
      );
  };
}

export async function startFakeProvider(socketPath: string, handlers: FakeProviderHandlers): Promise<FakeProvider> {
  const server = new grpc.Server();
  const fake: FakeProvider = {
    mountCalls: [],
    versionCalls: [],
    handlers,
    close: () =>
      new Promise((resolve) => {
        server.tryShutdown(() => {
          resolve();
        });
      }),
  };
  server.addService(loadProviderProto().v1alpha1.CSIDriverProvider.service, {
    Mount: unary(fake.mountCalls, () => fake.handlers.mount),
    Version: unary(fake.versionCalls, () => fake.handlers.version),
  });
  await new Promise<void>((resolve, reject) => {
    server.bindAsync(`unix:${socketPath}`, grpc.ServerCredentials.createInsecure(), (error) => {
      if (error) reject(error);
      else resolve();
    });
  });
  return fake;
}
