#!/usr/bin/env node
/**
 * Process entry: read flags and environment, start the provider, stop it on SIGTERM/SIGINT.
 * The only place that exits the process.
 */
import { stringify } from 'yaml';
import { ConfigError } from './config/command-line.js';
import { loadCommand, usage } from './config/provider-config.js';
import { startProvider } from './provider.js';
import { API_VERSION, RUNTIME_NAME, RUNTIME_VERSION } from './version.js';

/**
 * Operator sub-commands, each in its own module under `src/cli/` exporting
 * `run(argv: string[]): Promise<number>`; loaded lazily so the server starts without them.
 */
const SUBCOMMANDS: Readonly<Record<string, string>> = {
  check: './cli/check-command.js',
  mount: './cli/mount-command.js',
};

interface Subcommand {
  run(argv: readonly string[]): Promise<number>;
}

async function main(): Promise<number> {
  const argv = process.argv.slice(2);
  const subcommand = argv[0] === undefined ? undefined : SUBCOMMANDS[argv[0]];
  if (subcommand !== undefined) {
    const module = (await import(subcommand)) as Subcommand;
    return module.run(argv.slice(1));
  }
  if (argv.includes('-h') || argv.includes('-help') || argv.includes('--help')) {
    process.stdout.write(usage());
    return 0;
  }
  let command;
  try {
    command = loadCommand(argv, process.env);
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\n${usage()}`);
      return 2;
    }
    throw error;
  }
  if (command.kind === 'version') {
    const info = {
      name: RUNTIME_NAME,
      version: RUNTIME_VERSION,
      apiVersion: API_VERSION,
      nodeVersion: process.version,
    };
    const text =
      command.output === 'yaml'
        ? stringify(info)
        : `${JSON.stringify(info, null, command.output === 'json-pretty' ? 2 : 0)}\n`;
    process.stdout.write(text);
    return 0;
  }
  // Listened for before starting: a SIGTERM that arrives while the provider starts (a rollout
  // right after a restart) stops it once it has started, instead of being lost.
  const stopRequested = new Promise<NodeJS.Signals>((resolve) => {
    process.once('SIGTERM', () => resolve('SIGTERM'));
    process.once('SIGINT', () => resolve('SIGINT'));
  });
  let provider;
  try {
    provider = await startProvider(command.config);
  } catch (error) {
    process.stderr.write(`failed to start: ${error instanceof Error ? error.message : String(error)}\n`);
    return 1;
  }
  const { logger } = provider;
  const signal = await stopRequested;
  logger.info({ signal }, 'shutting down');
  await provider.stop();
  return 0;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`fatal: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exitCode = 1;
  },
);
