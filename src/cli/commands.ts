/**
 * The commands of the `vault-csi-provider` binary, each with one line of help, and the top-level
 * usage. Names, text and how to load each command's module: `main.ts` dispatches, and loads a
 * command's module only when it runs (the server never reads them).
 */
import { suggest } from '../mount/parse/suggest.js';

export interface CommandInfo {
  readonly name: string;
  readonly summary: string;
  /**
   * Loads the command's module (exporting `run(argv): Promise<number>`); absent for what main.ts
   * does itself. A literal `import()`, so the bundler (tools/bundle.mjs) makes it a chunk of its own.
   */
  readonly load?: () => Promise<{ run(argv: readonly string[]): Promise<number> }>;
}

export const COMMANDS: readonly CommandInfo[] = [
  { name: 'serve', summary: 'serve the CSI driver on a Unix socket (the default: flags alone mean serve)' },
  {
    name: 'check',
    summary: 'lint SecretProviderClass files offline; optionally check a role against Vault',
    load: () => import('./check-command.js'),
  },
  {
    name: 'mount',
    summary: 'call a running provider as the driver does and write the files into a directory',
    load: () => import('./mount-command.js'),
  },
  { name: 'version', summary: 'print the version as JSON (or -output=json-pretty|yaml); same as -version' },
];

/** Asks for help anywhere on the line; the word `help` only as the command. */
export const HELP_FLAGS: readonly string[] = ['-h', '-help', '--help'];

export function commandNamed(name: string): CommandInfo | undefined {
  return COMMANDS.find((command) => command.name === name);
}

/** `chek` → `unknown command "chek"; did you mean "check"?` */
export function unknownCommand(word: string): string {
  const guess = suggest(
    word,
    COMMANDS.map((command) => command.name),
  );
  return `unknown command "${word}"${guess === undefined ? '' : `; did you mean "${guess}"?`} (commands: ${COMMANDS.map((command) => command.name).join(', ')})`;
}

/** `vault-csi-provider --help`: the commands, then the flags of serve. */
export function topLevelUsage(serveFlags: string): string {
  const width = Math.max(...COMMANDS.map((command) => command.name.length));
  const commands = COMMANDS.map((command) => `  ${command.name.padEnd(width)}  ${command.summary}`).join('\n');
  return `Usage: vault-csi-provider [COMMAND] [flags]

Secrets Store CSI driver provider for HashiCorp Vault.

Commands:
${commands}

Run "vault-csi-provider COMMAND --help" for the options of a command.

Flags of serve:
${serveFlags}`;
}

export function serveUsage(serveFlags: string): string {
  return `Usage: vault-csi-provider [serve] [flags]

Serves the CSI driver's Mount and Version calls on -endpoint until SIGTERM or SIGINT.
Flags take the Go forms: -flag=value, --flag=value, -flag value, and -flag for booleans.

Flags:
${serveFlags}`;
}

export function versionUsage(): string {
  return `Usage: vault-csi-provider version [-output=json|json-pretty|yaml]

Prints the name, version, CSI provider API version and Node.js version (same as -version).
`;
}
