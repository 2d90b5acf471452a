// Moved to src/cli/driver/ (the operator's `mount` command uses it too); re-exported so the
// emulator and its tests keep one copy of the driver's behaviour.
export * from '../../../src/cli/driver/go-json.js';
