/**
 * The image tier: builds the image from the project's Dockerfile with buildah (stand-in base
 * images from build-bases.sh, passed as the Dockerfile's ARGs), then runs the provider inside
 * it as the image's user, in a network namespace of its own as in a pod: it serves a Mount
 * through a socket in a mounted directory against the dev Vault (reached through a Unix socket
 * in that directory, the way a Vault Agent listener is), its HEALTHCHECK command passes, and
 * it ships the bundle alone (no node_modules). The image size is reported.
 * Skipped with the reason when buildah is absent; CI installs it (test/image/install.sh).
 */
import assert from 'node:assert/strict';
import { execFile, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, readdir, readlink, rm } from 'node:fs/promises';
import { connect, createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { promisify } from 'node:util';
import { createServiceAccountIssuer, type ServiceAccountIssuer } from '../support/cluster/service-account-issuer.js';
import { makePod } from '../support/cluster/pod.js';
import { DriverEmulator, FAST_RETRY_BACKOFF, readMountedFiles } from '../support/driver/index.js';
import { SAMPLE, seedVault, spcParameters } from '../support/harness.js';
import { startDevVault, type DevVault } from '../support/vault-dev/index.js';

const BUILD_TIMEOUT_MS = 20 * 60_000;

function missingTools(): string | undefined {
  for (const tool of ['buildah', 'unshare', 'nsenter', 'ip']) {
    if (spawnSync(tool, ['--version'], { stdio: 'ignore' }).error !== undefined) {
      return `${tool} is not installed (bash test/image/install.sh installs the image tier's tools; CI runs it)`;
    }
  }
  if (process.getuid?.() !== 0) return 'buildah with chroot isolation needs root here';
  return undefined;
}

async function run(command: string, args: readonly string[], timeoutMs = 120_000): Promise<string> {
  const { stdout } = await promisify(execFile)(command, [...args], {
    timeout: timeoutMs,
    maxBuffer: 64 * 1024 * 1024,
  });
  return stdout;
}

interface ImageConfig {
  readonly User: string;
  readonly Entrypoint: string[] | null;
  readonly Cmd: string[] | null;
  readonly Healthcheck?: { readonly Test: string[] };
}

async function bytesIn(path: string): Promise<number> {
  return Number((await run('du', ['-sb', path])).split('\t')[0]);
}

function mib(bytes: number): string {
  return `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
}

/** Forwards a Unix socket (in the container's mounted directory) to the dev Vault's TCP port. */
async function forwardUnixToTcp(socketPath: string, port: number): Promise<Server> {
  const server = createServer((client) => {
    const upstream = connect(port, '127.0.0.1');
    client.pipe(upstream).pipe(client);
    const close = () => {
      client.destroy();
      upstream.destroy();
    };
    client.on('error', close);
    upstream.on('error', close);
  });
  await new Promise<void>((resolve) => server.listen(socketPath, resolve));
  return server;
}

const missing = missingTools();

// CI installs the tools (.ci/run calls test/image/install.sh), so there the tier never skips.
describe(
  'the image, built from the Dockerfile and run here',
  { skip: process.env.CI === 'true' ? false : missing },
  () => {
    const tag = `localhost/vault-csi-provider-ts:image-tier-${randomBytes(4).toString('hex')}`;
    let container: string | undefined;
    let dir: string;
    let config: ImageConfig;

    before(async () => {
      dir = await mkdtemp(join(tmpdir(), 'vcp-image-'));
    });
    after(async () => {
      if (container !== undefined) await run('buildah', ['rm', container]).catch(() => undefined);
      await run('buildah', ['rmi', tag]).catch(() => undefined);
      await rm(dir, { recursive: true, force: true });
    });

    test(
      'builds from the Dockerfile, with the stand-in bases as build arguments',
      { timeout: BUILD_TIMEOUT_MS },
      async (t) => {
        assert.equal(missing, undefined, 'the image tier needs its tools');
        const started = Date.now();
        const bases = Object.fromEntries(
          (await run('bash', ['test/image/build-bases.sh'], BUILD_TIMEOUT_MS))
            .trim()
            .split('\n')
            .map((line) => line.split('=') as [string, string]),
        );
        const basesMs = Date.now() - started;
        const args = [
          'bud',
          '--isolation',
          'chroot',
          '--layers',
          '--format',
          'docker',
          '--build-arg',
          `BUILD_IMAGE=${bases.BUILD_IMAGE ?? ''}`,
          '--build-arg',
          `RUNTIME_IMAGE=${bases.RUNTIME_IMAGE ?? ''}`,
          // This machine reaches npm through a TLS-inspecting proxy: its CA, as the Dockerfile documents.
          ...(existsSync('/etc/ssl/certs/ca-certificates.crt')
            ? ['--secret', 'id=npm-ca,src=/etc/ssl/certs/ca-certificates.crt']
            : []),
          '-t',
          tag,
          '.',
        ];
        const build = spawnSync('buildah', args, {
          encoding: 'utf8',
          timeout: BUILD_TIMEOUT_MS,
          maxBuffer: 64 * 1024 * 1024,
        });
        assert.equal(build.status, 0, `buildah bud failed:\n${(build.stdout + build.stderr).slice(-4000)}`);
        const inspected = JSON.parse(await run('buildah', ['inspect', '--type', 'image', tag])) as {
          Docker: { config: ImageConfig };
        };
        config = inspected.Docker.config;
        const [image] = JSON.parse(await run('buildah', ['images', '--json', tag])) as { size: string }[];
        const [base] = JSON.parse(await run('buildah', ['images', '--json', bases.RUNTIME_IMAGE ?? ''])) as {
          size: string;
        }[];
        t.diagnostic(
          `image ${image?.size ?? '?'} (runtime stand-in base ${base?.size ?? '?'}); bases ${(basesMs / 1000).toFixed(0)} s, build ${((Date.now() - started - basesMs) / 1000).toFixed(0)} s`,
        );
        // The V8 flags ship with the image (docs/benchmarks.md); the bench reads them from the Dockerfile too.
        assert.deepEqual(config.Entrypoint, ['/nodejs/bin/node', '--max-semi-space-size=1', '/app/dist/main.js']);
        assert.equal(
          config.Healthcheck?.Test[0],
          'CMD',
          'the health check is exec form: the runtime base has no shell',
        );
      },
    );

    test('the image ships the bundle alone: no node_modules, no sources, the licences beside it, a filled compile cache', async (t) => {
      container = (
        await run('buildah', ['from', '--name', `vcp-image-tier-${randomBytes(4).toString('hex')}`, tag])
      ).trim();
      const mountPoint = (await run('buildah', ['mount', container])).trim();
      try {
        const app = join(mountPoint, 'app');
        assert.ok(existsSync(join(app, 'dist', 'main.js')));
        // The sandbox's worker is an entry point of its own, found beside the module loading it.
        assert.ok(existsSync(join(app, 'dist', 'sandbox-worker.js')));
        assert.ok(!existsSync(join(app, 'node_modules')), 'the bundle carries its dependencies');
        assert.ok(!existsSync(join(app, 'src')) && !existsSync(join(app, 'test')), 'no sources or tests');
        // Filled at build time by the image's own Node (the Dockerfile's RUN ... version).
        assert.ok((await readdir(join(app, 'compile-cache'))).length > 0, 'the compile cache is filled');
        const licences = (await readdir(join(app, 'dist'))).filter((name) => name.endsWith('.LEGAL.txt'));
        assert.ok(licences.length > 0, 'the bundled packages’ licences are shipped');
        t.diagnostic(`/app: dist ${mib(await bytesIn(join(app, 'dist')))}`);
      } finally {
        await run('buildah', ['umount', container]);
      }
    });

    describe('the provider inside the image', () => {
      let vault: DevVault;
      let issuer: ServiceAccountIssuer;
      let forwarder: Server;
      let provider: ChildProcess | undefined;
      let output = '';
      const providerDir = () => join(dir, 'provider');

      before(async () => {
        vault = await startDevVault({});
        issuer = await createServiceAccountIssuer();
        seedVault(vault, issuer);
        await rm(providerDir(), { recursive: true, force: true });
        await mkdir(providerDir(), { recursive: true });
        forwarder = await forwardUnixToTcp(join(providerDir(), 'vault-api.sock'), Number(new URL(vault.address).port));
      });
      after(async () => {
        const running = provider;
        if (running?.exitCode === null) {
          const exited = new Promise((resolve) => running.once('exit', resolve));
          running.kill('SIGTERM');
          await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 10_000))]);
          running.kill('SIGKILL');
        }
        await new Promise<void>((resolve) => forwarder.close(() => resolve()));
        await vault.stop();
      });

      test(
        'starts as the image user, serves a Mount through the mounted socket, and its health check passes',
        { timeout: 120_000 },
        async () => {
          assert.ok(container !== undefined, 'the container exists');
          const command = [...(config.Entrypoint ?? []), ...(config.Cmd ?? [])];
          assert.deepEqual(config.Cmd, ['-endpoint=/provider/vault.sock']);
          // A network namespace of its own, as a pod has: the image's fixed health port 8080 is free.
          const script = 'ip link set lo up && exec buildah run --isolation chroot -v "$0:/provider" "$1" -- "${@:2}"';
          provider = spawn(
            'unshare',
            [
              '--net',
              'bash',
              '-c',
              script,
              providerDir(),
              container,
              ...command,
              '-vault-addr=unix:///provider/vault-api.sock',
              '-log-level=debug',
            ],
            { stdio: ['ignore', 'pipe', 'pipe'] },
          );
          provider.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
          provider.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
          for (let waited = 0; !output.includes('serving the CSI driver'); waited += 50) {
            assert.ok(provider.exitCode === null && waited < 60_000, `the provider did not start:\n${output}`);
            await new Promise((resolve) => setTimeout(resolve, 50));
          }

          // The process runs as the user the image names (none: root), as kubelet would start it.
          const expectedUid = config.User === '' ? 0 : Number(config.User.split(':')[0]);
          const pids = (await readdir('/proc')).filter((name) => /^\d+$/.test(name));
          let providerUid: number | undefined;
          let providerPid: number | undefined;
          const inContainer = await readlink(`/proc/${String(provider.pid)}/ns/net`);
          for (const pid of pids) {
            const cmdline = await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '');
            if (!cmdline.startsWith('/nodejs/bin/node\0--max-semi-space-size=1\0/app/dist/main.js\0')) continue;
            // Another run's provider may be alive on this machine: ours is in our network namespace.
            if ((await readlink(`/proc/${pid}/ns/net`).catch(() => '')) !== inContainer) continue;
            const status = await readFile(`/proc/${pid}/status`, 'utf8');
            providerUid = Number(/^Uid:\s+(\d+)/m.exec(status)?.[1]);
            providerPid = Number(pid);
          }
          assert.equal(providerUid, expectedUid, 'the provider process runs as the image user');

          const driver = new DriverEmulator({
            socketPath: join(providerDir(), 'vault.sock'),
            issuer,
            retryBackoff: FAST_RETRY_BACKOFF,
          });
          try {
            const target = join(dir, 'target');
            await driver.mount(
              makePod({ namespace: 'default', serviceAccountName: 'app' }),
              {
                spc: {
                  name: 'app-secrets',
                  provider: 'vault',
                  parameters: spcParameters(
                    '- {objectName: password, secretPath: secret/data/app, secretKey: password}\n- {objectName: legacy, secretPath: kv/legacy, secretKey: apiKey}',
                  ),
                },
              },
              target,
            );
            const files = await readMountedFiles(target);
            assert.equal(files.get('password')?.contents.toString('utf8'), SAMPLE.kv2.data.password);
            assert.equal(files.get('legacy')?.contents.toString('utf8'), SAMPLE.kv1.data.apiKey);
          } finally {
            driver.close();
          }
          assert.match(output, /"msg":"vault request"/, 'the debug line per Vault request');

          // The HEALTHCHECK command exactly as the image declares it, in the provider's namespace.
          const healthcheck = config.Healthcheck?.Test.slice(1) ?? [];
          const probe = spawnSync(
            'nsenter',
            [
              `--net=/proc/${String(provider.pid)}/ns/net`,
              'buildah',
              'run',
              '--isolation',
              'chroot',
              container,
              '--',
              ...healthcheck,
            ],
            { encoding: 'utf8', timeout: 30_000 },
          );
          assert.equal(probe.status, 0, `the health check failed: ${probe.stdout}${probe.stderr}`);

          // SIGTERM to the container's process, as the runtime sends it when the pod goes (buildah
          // run would not forward it: it kills its child).
          const exited = new Promise<number | null>((resolve) => provider?.once('exit', (code) => resolve(code)));
          process.kill(providerPid ?? -1, 'SIGTERM');
          assert.equal(await exited, 0, `a clean stop on SIGTERM:\n${output.slice(-2000)}`);
          assert.match(output, /"msg":"shutting down"/);
        },
      );
    });
  },
);
