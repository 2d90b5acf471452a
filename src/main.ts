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

interface Subcommand {
  run(argv: readonly string[]): Promise<number>;
}

/**
 * Operator sub-commands, each in its own module under `src/cli/`; loaded only when called, so the
 * server never reads them. Literal specifiers, so the bundler (tools/bundle.mjs) finds them.
 */
const SUBCOMMANDS: Readonly<Record<string, () => Promise<Subcommand>>> = {
  check: () => import('./cli/check-command.js'),
  mount: () => import('./cli/mount-command.js'),
};

async function main(): Promise<number> {
  // Static imports are evaluated before this line runs: the time the code took to load.
  const modulesLoadedMs = performance.now();
  const argv = process.argv.slice(2);
  const subcommand = argv[0] === undefined ? undefined : SUBCOMMANDS[argv[0]];
  if (subcommand !== undefined) return (await subcommand()).run(argv.slice(1));
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
  let provider;
  try {
    provider = await startProvider(command.config);
  } catch (error) {
    process.stderr.write(`failed to start: ${error instanceof Error ? error.message : String(error)}\n`);
    return 1;
  }
  const { logger } = provider;
  logger.info({ startup: startupTiming(modulesLoadedMs), rssMb: mebibytes(process.memoryUsage.rss()) }, 'started');
  const signal = await new Promise<NodeJS.Signals>((resolve) => {
    process.once('SIGTERM', () => resolve('SIGTERM'));
    process.once('SIGINT', () => resolve('SIGINT'));
  });
  logger.info({ signal }, 'shutting down');
  await provider.stop();
  return 0;
}

/** Where the time from exec to serving went, in ms since the process started (docs/benchmarks.md). */
function startupTiming(modulesLoadedMs: number): Record<string, number> {
  const bootstrapMs = performance.nodeTiming.bootstrapComplete;
  const servingMs = performance.now();
  return {
    nodeBootstrapMs: Math.round(bootstrapMs),
    modulesMs: Math.round(modulesLoadedMs - bootstrapMs),
    wiringMs: Math.round(servingMs - modulesLoadedMs),
    totalMs: Math.round(servingMs),
  };
}

function mebibytes(bytes: number): number {
  return Math.round((bytes / 2 ** 20) * 10) / 10;
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
