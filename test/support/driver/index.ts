// Public surface of the driver emulator fixture (DESIGN.md §7). Import from here, not the files.
export { DriverEmulator, kubeletPublishTimeoutMs } from './driver-emulator.js';
export type { DriverEmulatorOptions, MountOutcome } from './driver-emulator.js';
export { DriverErrorReason, DriverMountError } from './driver-errors.js';
export { attributeKeys, defaultPermission, buildDriverMountRequest, buildNodePublishContext } from './mount-request.js';
export { goMarshalStringMap, goMarshalTokenStatuses } from './mount-request.js';
export type {
  NodePublishContext,
  SecretProviderClassFixture,
  TokenRequestStatus,
  VolumeFixture,
} from './mount-request.js';
export { writePayloads, goFileModeToUnix } from './atomic-writer.js';
export type { PayloadFile } from './atomic-writer.js';
export { validatePayloadPath } from './payload-path.js';
export { readMountedFiles } from './mounted-files.js';
export type { MountedFile } from './mounted-files.js';
export type { RepublishOptions, Republisher } from './republish.js';
export { ProviderClient, driverServiceConfig, legacyDriverAuthority } from './provider-client.js';
export { loadProviderProto } from '../../../src/provider-proto.js';
export { ProviderStatus, startFakeProvider } from './fake-provider.js';
export type { FakeProvider, FakeProviderHandlers, ReceivedCall } from './fake-provider.js';
