/**
 * The driver's contract (`proto/v1alpha1/service.proto`) loaded at run time, once per process,
 * for the provider's gRPC server and the driver emulator's client alike. The loader options are
 * the `gen` script's flags, so the runtime objects match the types in `src/generated/`.
 */
import { fileURLToPath } from 'node:url';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import type { ProtoGrpcType } from './generated/service.js';

export const PROTO_PATH = fileURLToPath(new URL('../proto/v1alpha1/service.proto', import.meta.url));

/** Keep identical to the `gen` script's flags, or the generated types lie. */
export const PROTO_LOADER_OPTIONS: protoLoader.Options = { longs: String, enums: String, defaults: true, oneofs: true };

let loaded: ProtoGrpcType | undefined;

export function loadProviderProto(): ProtoGrpcType {
  loaded ??= grpc.loadPackageDefinition(
    protoLoader.loadSync(PROTO_PATH, PROTO_LOADER_OPTIONS),
  ) as unknown as ProtoGrpcType;
  return loaded;
}
