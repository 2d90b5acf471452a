import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ConfigError, parseCommandLine } from '../../src/config/command-line.js';
import { DEFAULTS, loadCommand, type ProviderConfig } from '../../src/config/provider-config.js';

function serve(argv: string[], env: Record<string, string> = {}): ProviderConfig {
  const command = loadCommand(argv, env);
  assert.equal(command.kind, 'serve');
  return command.config;
}

describe('command line', () => {
  const cases: { argv: string[]; flags: Record<string, string>; positionals?: string[] }[] = [
    { argv: ['-endpoint=/provider/vault.sock'], flags: { endpoint: '/provider/vault.sock' } },
    { argv: ['--endpoint=/provider/vault.sock'], flags: { endpoint: '/provider/vault.sock' } },
    { argv: ['-endpoint', '/a.sock'], flags: { endpoint: '/a.sock' } },
    { argv: ['--endpoint', '/a.sock'], flags: { endpoint: '/a.sock' } },
    { argv: ['-vault-tls-skip-verify'], flags: { 'vault-tls-skip-verify': 'true' } },
    { argv: ['-vault-tls-skip-verify=false'], flags: { 'vault-tls-skip-verify': 'false' } },
    {
      argv: ['check', '-log-level=debug', 'spc.yaml'],
      flags: { 'log-level': 'debug' },
      positionals: ['check', 'spc.yaml'],
    },
    { argv: ['-x=a=b'], flags: { x: 'a=b' } },
  ];
  for (const { argv, flags, positionals = [] } of cases) {
    test(argv.join(' '), () => {
      const parsed = parseCommandLine(argv, new Set(['vault-tls-skip-verify']));
      assert.deepEqual(Object.fromEntries(parsed.flags), flags);
      assert.deepEqual(parsed.positionals, positionals);
    });
  }

  test('a value flag at the end without its value is an error', () => {
    assert.throws(() => parseCommandLine(['-endpoint'], new Set()), /flag needs an argument: -endpoint/);
  });
});

describe('provider configuration', () => {
  test('defaults', () => {
    const config = serve([]);
    assert.equal(config.endpoint, DEFAULTS.endpoint);
    assert.equal(config.healthAddr, ':8080');
    assert.equal(config.logLevel, 'info');
    assert.equal(config.connection.vaultAddress, 'https://127.0.0.1:8200');
    assert.equal(config.connection.authMountPath, 'kubernetes');
    assert.equal(config.connection.tls.skipVerify, false);
    assert.equal(config.maxResponseBytes, 4 * 1024 * 1024);
    assert.equal(config.tokenCacheSize, 1000);
    assert.deepEqual(config.tokenRequestAudiences, ['vault']);
  });

  test('-health-addr: an empty value turns the listener off, as documented; unset keeps :8080', () => {
    assert.equal(serve(['-health-addr=']).healthAddr, '');
    assert.equal(serve(['-health-addr=127.0.0.1:9100']).healthAddr, '127.0.0.1:9100');
    assert.equal(serve([]).healthAddr, ':8080');
  });

  test('-token-request-audiences: a comma-separated list replacing the default', () => {
    assert.deepEqual(serve(['-token-request-audiences=vault, https://vault.example.com']).tokenRequestAudiences, [
      'vault',
      'https://vault.example.com',
    ]);
  });

  test('environment is read with the Go provider variable names', () => {
    const config = serve([], {
      VAULT_ADDR: 'https://vault.example:8200',
      VAULT_NAMESPACE: 'team-a',
      VAULT_CACERT: '/ca.pem',
      VAULT_CAPATH: '/cas',
      VAULT_TLS_SERVER_NAME: 'vault.internal',
      VAULT_CLIENT_CERT: '/c.pem',
      VAULT_CLIENT_KEY: '/k.pem',
      VAULT_SKIP_VERIFY: 'true',
    });
    assert.equal(config.connection.vaultAddress, 'https://vault.example:8200');
    assert.equal(config.connection.vaultNamespace, 'team-a');
    assert.deepEqual(config.connection.tls, {
      caCertPath: '/ca.pem',
      caDirectory: '/cas',
      serverName: 'vault.internal',
      clientCertPath: '/c.pem',
      clientKeyPath: '/k.pem',
      skipVerify: true,
    });
  });

  test('flags win over environment', () => {
    const config = serve(
      ['-vault-addr=https://flag:8200', '--vault-namespace=flag-ns', '-vault-tls-skip-verify=false'],
      {
        VAULT_ADDR: 'https://env:8200',
        VAULT_NAMESPACE: 'env-ns',
        VAULT_SKIP_VERIFY: 'true',
      },
    );
    assert.equal(config.connection.vaultAddress, 'https://flag:8200');
    assert.equal(config.connection.vaultNamespace, 'flag-ns');
    assert.equal(config.connection.tls.skipVerify, false);
  });

  test('the auth mount flag is normalised', () => {
    assert.equal(serve(['-vault-mount=/jwt/']).connection.authMountPath, 'jwt');
  });

  test('log levels: flag, deprecated -debug, unknown falls back to info', () => {
    assert.equal(serve(['-log-level=warn']).logLevel, 'warn');
    assert.equal(serve(['-log-level=OFF']).logLevel, 'off');
    assert.equal(serve(['-debug']).logLevel, 'debug');
    assert.equal(serve(['-debug', '-log-level=error']).logLevel, 'error');
    assert.equal(serve(['-log-level=verbose']).logLevel, 'info');
  });

  test('-version with output formats', () => {
    assert.deepEqual(loadCommand(['-version'], {}), { kind: 'version', output: 'json' });
    assert.deepEqual(loadCommand(['--version', '-output=yaml'], {}), { kind: 'version', output: 'yaml' });
    assert.throws(() => loadCommand(['-version', '-output=xml'], {}), /-output/);
  });

  const errors: { argv: string[]; env?: Record<string, string>; message: RegExp }[] = [
    { argv: ['-no-such-flag=1'], message: /flag provided but not defined: -no-such-flag/ },
    { argv: ['-vault-addr=vault:8200'], message: /invalid -vault-addr "vault:8200"/ },
    { argv: ['-vault-tls-client-cert=/c.pem'], message: /both -vault-tls-client-cert and -vault-tls-client-key/ },
    { argv: [], env: { VAULT_SKIP_VERIFY: 'yes' }, message: /invalid boolean value "yes" for -vault-tls-skip-verify/ },
    { argv: ['-cache-size=many'], message: /invalid value "many" for -cache-size/ },
    { argv: ['-max-response-bytes=10'], message: /-max-response-bytes: must be an integer >= 1024/ },
    { argv: ['-mount-timeout=soon'], message: /invalid duration "soon" for -mount-timeout/ },
    { argv: ['-token-request-audiences=,'], message: /-token-request-audiences: must be a comma-separated list/ },
  ];
  for (const { argv, env = {}, message } of errors) {
    test(`refuses ${argv.join(' ') || JSON.stringify(env)}`, () => {
      assert.throws(
        () => loadCommand(argv, env),
        (error: unknown) => error instanceof ConfigError && message.test(error.message),
      );
    });
  }

  test('unix:// Vault addresses (a local Vault Agent) are accepted', () => {
    assert.equal(
      serve(['-vault-addr=unix:///var/run/vault/agent.sock']).connection.vaultAddress,
      'unix:///var/run/vault/agent.sock',
    );
  });

  test('durations and limits', () => {
    const config = serve([
      '-mount-timeout=1m',
      '-deadline-margin=2s',
      '-vault-request-timeout=500ms',
      '-mount-concurrency=3',
    ]);
    assert.equal(config.mountTimeoutMs, 60_000);
    assert.equal(config.deadlineMarginMs, 2000);
    assert.equal(config.vaultRequestTimeoutMs, 500);
    assert.equal(config.mountConcurrency, 3);
  });
});
