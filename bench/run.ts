/**
 * `npm run bench [-- --smoke] [--node=PATH]… [--go=PATH] [--before-sandbox=DIR] [--only=…]`:
 * the dev Vault and the providers as separate processes, Mounts driven through each provider's
 * socket as the driver does. Scenarios, goals and the latest figures: docs/benchmarks.md.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { createServiceAccountIssuer } from '../test/support/cluster/service-account-issuer.js';
import { BenchContext, sizesFor } from './context.js';
import { startGoProviderCluster, type GoProviderCluster } from './go-provider.js';
import { parseBenchOptions } from './options.js';
import { startVaultProcess } from './processes.js';
import { latencyScenario } from './scenarios/latency.js';
import { loadScenario } from './scenarios/load.js';
import { refreshScenario } from './scenarios/refresh.js';
import { sandboxScenario } from './scenarios/sandbox.js';
import { startupScenario } from './scenarios/startup.js';
import { Report } from './stats.js';
import { benchTargets } from './targets.js';

const options = parseBenchOptions(process.argv.slice(2));
const dir = await mkdtemp(join(tmpdir(), 'vcp-bench-'));
const vault = await startVaultProcess();
let goCluster: GoProviderCluster | undefined;
try {
  const issuer = await createServiceAccountIssuer();
  const paths = [...Array.from({ length: 20 }, (_, i) => `p${i + 1}`), ...[1, 2, 3, 4, 5].map((n) => `s${n}`)];
  await vault.call({ kind: 'seed', publicKeyPem: issuer.publicKeyPem, issuer: issuer.issuer, paths });
  if (options.goProvider !== undefined) goCluster = await startGoProviderCluster(options.goProvider);
  const targets = benchTargets(options, goCluster);
  const report = new Report();
  const c = new BenchContext(options, sizesFor(options.smoke), vault, issuer, report, dir);
  const machine = `${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, ${Math.round(totalmem() / 2 ** 30)} GiB`;
  process.stdout.write(
    `# vault-csi-provider-ts benchmark${options.smoke ? ' (smoke)' : ''}: ${machine}; providers: ${targets.map((t) => t.name).join(', ')}\n`,
  );
  const run = (name: string) => options.only === undefined || options.only.has(name);
  if (run('startup')) await startupScenario(c, targets);
  if (run('load')) await loadScenario(c, targets);
  if (run('latency')) await latencyScenario(c, targets);
  if (run('sandbox')) await sandboxScenario(c, targets);
  if (run('refresh')) await refreshScenario(c, targets);
  process.stdout.write(`\n${report.table()}\n`);
} finally {
  await goCluster?.stop();
  await vault.stop();
  await rm(dir, { recursive: true, force: true });
}
