// Moved to src/cli/driver/ (the operator's `mount` command reports the same reasons); re-exported
// so the emulator and its tests keep one copy.
export * from '../../../src/cli/driver/driver-errors.js';
