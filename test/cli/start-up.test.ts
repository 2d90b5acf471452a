/**
 * The built binary (`dist/main.js`, what the image runs) as an operator meets it: `--help` lists
 * the commands, an unknown command is named, files given by flags are read at start (a missing
 * one stops the provider naming the flag and the path), and `-health-addr=` opens no port,
 * checked from /proc as the node sees the process.
 */
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, readdir, readlink, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { promisify } from 'node:util';
import { ensureBuiltProvider, PROVIDER_MAIN } from '../support/built-provider.js';
import { createTlsMaterial, removeTlsMaterial, type DevVaultTlsMaterial } from '../support/vault-dev/tls-material.js';

const MAIN = PROVIDER_MAIN;

async function runMain(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, [MAIN, ...args], { timeout: 20_000 });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code?: number; stdout?: string; stderr?: string };
    return { code: failed.code ?? -1, stdout: failed.stdout ?? '', stderr: failed.stderr ?? '' };
  }
}

/** Inodes of the TCP sockets in LISTEN state on this machine (all namespaces' tables we can see). */
async function listeningInodes(): Promise<Set<string>> {
  const inodes = new Set<string>();
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    const text = await readFile(table, 'utf8').catch(() => '');
    for (const line of text.split('\n').slice(1)) {
      const fields = line.trim().split(/\s+/);
      if (fields[3] === '0A' && fields[9] !== undefined) inodes.add(fields[9]);
    }
  }
  return inodes;
}

/** The TCP ports a process listens on: its socket descriptors that are in LISTEN state. */
async function listeningSocketsOf(pid: number): Promise<number> {
  const listening = await listeningInodes();
  let count = 0;
  for (const fd of await readdir(`/proc/${pid}/fd`)) {
    const target = await readlink(`/proc/${pid}/fd/${fd}`).catch(() => '');
    const inode = /^socket:\[(\d+)\]$/.exec(target)?.[1];
    if (inode !== undefined && listening.has(inode)) count++;
  }
  return count;
}

async function serveUntilReady(args: string[]): Promise<{ pid: number; stop: () => Promise<void> }> {
  const child = spawn(process.execPath, [MAIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
  for (let waited = 0; !output.includes('serving the CSI driver'); waited += 25) {
    if (child.exitCode !== null || waited > 20_000) {
      child.kill('SIGKILL');
      throw new Error(`the provider did not start: ${output}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  return {
    pid: child.pid ?? -1,
    stop: async () => {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
    },
  };
}

describe('the vault-csi-provider binary at start', () => {
  let dir: string;
  let tls: DevVaultTlsMaterial;
  before(async () => {
    await ensureBuiltProvider();
    dir = await mkdtemp(join(tmpdir(), 'vcp-start-'));
    tls = (await createTlsMaterial(Date.now())).material;
  });
  after(async () => {
    await removeTlsMaterial(tls);
    await rm(dir, { recursive: true, force: true });
  });

  test('--help lists the commands, each with one line; COMMAND --help explains a command', async () => {
    const help = await runMain(['--help']);
    assert.equal(help.code, 0);
    for (const command of ['serve', 'check', 'mount', 'version']) {
      assert.match(help.stdout, new RegExp(`^ {2}${command} +\\S.+$`, 'm'), `${command} listed`);
    }
    assert.match(help.stdout, /^Flags of serve:\n {2}-endpoint\n/m);
    for (const [command, first] of [
      ['check', /^Usage: vault-csi-provider check /],
      ['mount', /^Usage: vault-csi-provider mount /],
      ['serve', /^Usage: vault-csi-provider \[serve\] /],
      ['version', /^Usage: vault-csi-provider version /],
    ] as const) {
      const result = await runMain([command, '--help']);
      assert.equal(result.code, 0, command);
      assert.match(result.stdout, first);
    }
    const version = await runMain(['version', '-output=json-pretty']);
    assert.match(version.stdout, /"name": "vault-csi-provider-ts"/);
  });

  test('an unknown command or argument stops with a suggestion and exit 2', async () => {
    const typo = await runMain(['chek', 'spc.yaml']);
    assert.equal(typo.code, 2);
    assert.match(typo.stderr, /unknown command "chek"; did you mean "check"\?/);
    const extra = await runMain(['serve', 'stray']);
    assert.equal(extra.code, 2);
    assert.match(extra.stderr, /unexpected argument "stray"/);
    const badHealth = await runMain(['-health-addr=8080']);
    assert.equal(badHealth.code, 2);
    assert.match(badHealth.stderr, /invalid -health-addr "8080": use host:port or :port/);
  });

  test('a file named by a flag is read at start: missing or unusable stops the provider, naming the flag', async () => {
    const socket = join(dir, 'never.sock');
    const base = [`-endpoint=${socket}`, '-health-addr=', '-hmac-key-source=random'];
    const shortKey = join(dir, 'short.key');
    await writeFile(shortKey, 'tiny');
    const cases: [string[], RegExp][] = [
      [
        [`-vault-tls-ca-cert=${join(dir, 'missing-ca.pem')}`],
        /^failed to start: -vault-tls-ca-cert: cannot read ".*missing-ca\.pem" on the provider's node \(ENOENT\)$/m,
      ],
      [
        [`-vault-tls-ca-directory=${join(dir, 'no-such-dir')}`],
        /-vault-tls-ca-directory: cannot read directory ".*no-such-dir" \(ENOENT\)/,
      ],
      [[`-vault-tls-ca-cert=${shortKey}`], /-vault-tls-ca-cert: ".*short\.key" does not contain PEM data/],
      [
        [`-vault-tls-client-cert=${tls.clientCertPath}`, `-vault-tls-client-key=${join(dir, 'missing.key')}`],
        /-vault-tls-client-key: cannot read ".*missing\.key"/,
      ],
      [
        // A key that is not the certificate's: OpenSSL refuses the pair.
        [`-vault-tls-client-cert=${tls.clientCertPath}`, `-vault-tls-client-key=${tls.serverKeyPath}`],
        /the TLS files of .*-vault-tls-client-cert and -vault-tls-client-key cannot be used/,
      ],
      [[`-hmac-key-file=${join(dir, 'missing-hmac')}`], /cannot read -hmac-key-file ".*missing-hmac" \(ENOENT\)/],
      [
        [`-state-key-file=${join(dir, 'missing-state-key')}`],
        /cannot read -state-key-file ".*missing-state-key" \(ENOENT\)/,
      ],
      [[`-state-key-file=${shortKey}`], /-state-key-file .*short\.key: the key must be 32 bytes/],
    ];
    for (const [flags, message] of cases) {
      const result = await runMain([...base, ...flags]);
      assert.equal(result.code, 1, `${flags.join(' ')}: ${result.stderr}`);
      assert.match(result.stderr, message, flags.join(' '));
      assert.doesNotMatch(result.stderr, /vaultCACertPath|vaultTLSClient/, 'no SPC parameter is blamed');
      assert.ok(!existsSync(socket), 'nothing was served');
    }
    const good = await serveUntilReady([
      ...base,
      `-vault-tls-ca-cert=${tls.caCertPath}`,
      `-vault-tls-client-cert=${tls.clientCertPath}`,
      `-vault-tls-client-key=${tls.clientKeyPath}`,
    ]);
    await good.stop();
  });

  test('-health-addr= opens no port; -health-addr=127.0.0.1:0 opens exactly one', async () => {
    const common = ['-hmac-key-source=random'];
    const without = await serveUntilReady([`-endpoint=${join(dir, 'a.sock')}`, '-health-addr=', ...common]);
    try {
      assert.equal(await listeningSocketsOf(without.pid), 0);
    } finally {
      await without.stop();
    }
    const control = await serveUntilReady([`-endpoint=${join(dir, 'b.sock')}`, '-health-addr=127.0.0.1:0', ...common]);
    try {
      assert.equal(await listeningSocketsOf(control.pid), 1, 'the check sees a listener when there is one');
    } finally {
      await control.stop();
    }
  });
});
