/**
 * `npm run demo`: the whole path on one machine. Starts the dev Vault on loopback, the provider
 * as its own process on a temporary socket (exactly as the DaemonSet runs it), mounts an example
 * SecretProviderClass through the driver emulator into a folder, prints the files, rotates a
 * secret, republishes like kubelet, and shows the new content.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, readlink, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServiceAccountIssuer } from './support/cluster/service-account-issuer.js';
import { makePod } from './support/cluster/pod.js';
import { DriverEmulator, readMountedFiles } from './support/driver/index.js';
import { seedVault } from './support/harness.js';
import { startDevVault } from './support/vault-dev/index.js';

const SPC_OBJECTS = `
- objectName: db-username
  secretPath: secret/data/app
  secretKey: username
- objectName: db-password
  secretPath: secret/data/app
  secretKey: password
  filePermission: 0600
- objectName: legacy/api-key
  secretPath: kv/legacy
  secretKey: apiKey
- objectName: app.json
  secretPath: secret/data/app
`;

const say = (text: string) => process.stdout.write(`${text}\n`);

async function showFiles(target: string): Promise<void> {
  const files = await readMountedFiles(target);
  say(`  ${target}  (..data -> ${await readlink(join(target, '..data'))})`);
  for (const [path, file] of [...files].sort(([a], [b]) => a.localeCompare(b))) {
    const text = file.contents.toString('utf8');
    say(
      `    ${file.mode.toString(8).padStart(4, '0')}  ${path.padEnd(16)} ${text.length > 70 ? `${text.slice(0, 67)}...` : text}`,
    );
  }
}

async function main(): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'vault-csi-demo-'));
  const socketPath = join(dir, 'vault.sock');
  const vault = await startDevVault();
  const issuer = await createServiceAccountIssuer();
  seedVault(vault, issuer);
  say(`dev Vault listening on ${vault.address} (kubernetes auth, role "app", kv v2 at secret/, kv v1 at kv/)`);

  const provider = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      'src/main.ts',
      `-endpoint=${socketPath}`,
      `-vault-addr=${vault.address}`,
      '-health-addr=127.0.0.1:0',
    ],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  const providerLog: string[] = [];
  provider.stdout.on('data', (chunk: Buffer) => providerLog.push(...chunk.toString().split('\n').filter(Boolean)));
  const driver = new DriverEmulator({ socketPath, issuer });
  try {
    for (let waited = 0; !providerLog.some((line) => line.includes('serving the CSI driver')); waited += 50) {
      if (waited > 20_000 || provider.exitCode !== null) throw new Error('the provider did not start');
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    const version = await driver.version();
    say(`provider ${version.runtimeName} ${version.runtimeVersion} serving ${version.version} on ${socketPath}\n`);

    const pod = makePod({ namespace: 'default', name: 'web-0', serviceAccountName: 'app' });
    const spc = { name: 'app-secrets', provider: 'vault', parameters: { roleName: 'app', objects: SPC_OBJECTS } };
    const target = join(dir, 'pods', pod.uid, 'volumes', 'secrets-store', 'mount');

    say(`1. kubelet publishes the volume of pod ${pod.namespace}/${pod.name} (SecretProviderClass ${spc.name}):`);
    const first = await driver.mount(pod, { spc }, target);
    await showFiles(target);
    say(`   object versions: ${first.objectVersions.map((v) => `${v.id}=${v.version.slice(0, 10)}…`).join(', ')}\n`);

    say('2. the secret rotates in Vault: secret/app password -> "rotated-Pa55"');
    vault.writeKv('secret', 'app', {
      username: 'app-user',
      password: 'rotated-Pa55',
      port: 5432,
      flags: { tls: true },
    });
    say('3. kubelet republishes (rotation poll):');
    const second = await driver.mount(pod, { spc }, target);
    await showFiles(target);
    const changed = second.objectVersions
      .filter((v, i) => v.version !== first.objectVersions[i]?.version)
      .map((v) => v.id);
    say(`   versions changed for: ${changed.join(', ')} (others unchanged, so nothing else churns)\n`);

    say('4. dynamic database credentials: three publishes of a second volume (username + password');
    say('   from one database/creds/app lease):');
    vault.writeDatabaseRole('app', { defaultTtlSeconds: 3600, maxTtlSeconds: 86_400 });
    vault.stats.reset();
    const dbSpc = {
      name: 'db-creds',
      provider: 'vault',
      parameters: {
        roleName: 'app',
        objects:
          '- {objectName: db-user, secretPath: database/creds/app, secretKey: username}\n- {objectName: db-pass, secretPath: database/creds/app, secretKey: password}',
      },
    };
    const dbTarget = join(dir, 'pods', pod.uid, 'volumes', 'db-creds', 'mount');
    for (let publish = 1; publish <= 3; publish++) {
      const outcome = await driver.mount(pod, { spc: dbSpc }, dbTarget);
      const user = (await readMountedFiles(dbTarget)).get('db-user')?.contents.toString() ?? '';
      say(`   publish ${publish}: db-user=${user}  version ${outcome.objectVersions[0]?.version.slice(0, 10) ?? ''}…`);
    }
    say(`   credentials issued by Vault: ${vault.stats.leasesIssued} (the Go provider would have issued 3)\n`);

    say('5. a pod whose service account is not bound to the role:');
    await driver
      .mount(
        makePod({ namespace: 'default', name: 'intruder', serviceAccountName: 'intruder' }),
        { spc },
        join(dir, 'intruder'),
      )
      .then(
        () => say('   unexpectedly mounted!'),
        (error: unknown) => say(`   refused: ${(error as { details?: string }).details ?? String(error)}\n`),
      );

    // Let the provider's last log lines arrive through the pipe before reading them.
    await new Promise((resolve) => setTimeout(resolve, 200));
    const audits = providerLog.filter((line) => line.includes('"audit":true'));
    say(`provider audit lines (${audits.length}), the last one:`);
    say(`  ${audits.at(-1) ?? '(none)'}`);
  } finally {
    driver.close();
    provider.kill('SIGTERM');
    await new Promise((resolve) => provider.once('exit', resolve));
    await vault.stop();
    await rm(dir, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`demo failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exitCode = 1;
});
