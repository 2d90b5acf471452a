#!/usr/bin/env node
/**
 * Process entry: read flags and environment, start the provider, stop it on SIGTERM/SIGINT.
 * The only place that exits the process.
 */
import { stringify } from 'yaml';
import { ConfigError } from './config/command-line.js';
import { flagUsage, loadCommand } from './config/provider-config.js';
import { commandNamed, HELP_FLAGS, serveUsage, topLevelUsage, unknownCommand, versionUsage } from './cli/commands.js';
import { startProvider } from './provider.js';
import { API_VERSION, RUNTIME_NAME, RUNTIME_VERSION } from './version.js';

async function main(): Promise<number> {
  // Static imports are evaluated before this line runs: the time the code took to load.
  const modulesLoadedMs = performance.now();
  const [first, ...rest] = process.argv.slice(2);
  // A command module is loaded only when it runs, so the server starts without them.
  const named = first === undefined || first.startsWith('-') ? undefined : commandNamed(first);
  if (named?.load !== undefined) return (await named.load()).run(rest);
  if (first === 'help' || (first !== undefined && HELP_FLAGS.includes(first))) {
    process.stdout.write(topLevelUsage(flagUsage()));
    return 0;
  }
  if (first !== undefined && !first.startsWith('-') && named === undefined) {
    process.stderr.write(`${unknownCommand(first)}\nRun "vault-csi-provider --help" for the commands.\n`);
    return 2;
  }
  const argv = named === undefined ? process.argv.slice(2) : named.name === 'version' ? ['-version', ...rest] : rest;
  if (argv.some((arg) => HELP_FLAGS.includes(arg))) {
    process.stdout.write(
      named?.name === 'version'
        ? versionUsage()
        : named === undefined
          ? topLevelUsage(flagUsage())
          : serveUsage(flagUsage()),
    );
    return 0;
  }
  let command;
  try {
    command = loadCommand(argv, process.env);
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\nRun "vault-csi-provider --help" for the flags.\n`);
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
  logger.info({ startup: startupTiming(modulesLoadedMs), rssMb: mebibytes(process.memoryUsage.rss()) }, 'started');
  const signal = await stopRequested;
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
