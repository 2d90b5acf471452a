/**
 * Run the dev Vault in its own process (benchmarks, manual testing):
 *   node --import tsx test/support/vault-dev/cli.ts [--port 8200] [--tls] [--require-client-cert]
 *        [--latency-ms 5] [--root-token root]
 * Prints one JSON line `{"address":…,"rootToken":…}` (plus TLS file paths with --tls) on stdout
 * once listening, and stops cleanly on SIGTERM/SIGINT.
 */
import { parseArgs } from 'node:util';
import { startDevVault, type DevVaultOptions } from './index.js';

const { values } = parseArgs({
  options: {
    port: { type: 'string', default: '0' },
    tls: { type: 'boolean', default: false },
    'require-client-cert': { type: 'boolean', default: false },
    'latency-ms': { type: 'string' },
    'root-token': { type: 'string', default: 'root' },
  },
  strict: true,
});

const port = Number(values.port);
if (!Number.isInteger(port) || port < 0 || port > 65535)
  throw new Error(`--port must be an integer 0-65535, got ${values.port}`);
const latencyMs = values['latency-ms'] === undefined ? undefined : Number(values['latency-ms']);
if (latencyMs !== undefined && (!Number.isFinite(latencyMs) || latencyMs < 0)) {
  throw new Error(`--latency-ms must be a non-negative number, got ${values['latency-ms'] ?? ''}`);
}
const requireClientCert = values['require-client-cert'];
const options: DevVaultOptions = {
  port,
  rootToken: values['root-token'],
  tls: requireClientCert ? { requireClientCert: true } : values.tls,
};

const vault = await startDevVault(options);
if (latencyMs !== undefined && latencyMs > 0) vault.setFault({ kind: 'latency', ms: latencyMs });
process.stdout.write(
  `${JSON.stringify({
    address: vault.address,
    rootToken: vault.rootToken,
    ...(vault.tls === undefined
      ? {}
      : {
          caCertPath: vault.tls.caCertPath,
          clientCertPath: vault.tls.clientCertPath,
          clientKeyPath: vault.tls.clientKeyPath,
        }),
  })}\n`,
);

const shutdown = (): void => {
  void vault.stop();
};
process.once('SIGTERM', shutdown);
process.once('SIGINT', shutdown);
