/**
 * The Vault data the file-feature tests and the documentation examples read (docs/selection.md,
 * formats.md, templates.md, pki.md list it). Added on top of the harness's seed.
 */
import type { DevVault } from './vault-dev/index.js';

export const DOC_SECRETS = {
  'k8s/myapp/prod': { mykey: 'myvalue' },
  'secret/app/db': {
    username: 'app-user',
    password: "pa'ss word",
    port: 5432,
    options: { sslmode: 'require', pool: { max: 10 } },
    replicas: [
      { host: 'db-1.internal', zone: 'a' },
      { host: 'db-2.internal', zone: 'b' },
    ],
  },
  'secret/app/api': { token: 'tok-123', url: 'https://api.example.com' },
  'secret/app/keystore': { p12: Buffer.from('keystore-bytes').toString('base64') },
} as const;

export function seedFileFeatures(vault: DevVault): void {
  vault.enableKv('k8s', 2);
  for (const [path, data] of Object.entries(DOC_SECRETS)) {
    const [mount, ...rest] = path.split('/');
    vault.writeKv(mount ?? '', rest.join('/'), structuredClone(data));
  }
  vault.writePkiRole('web', { allowedDomains: ['example.com'], allowSubdomains: true, keyType: 'rsa' });
  vault.writePolicy('app-read', [
    { path: 'secret/data/app', capabilities: ['read'] },
    { path: 'secret/data/app/*', capabilities: ['read'] },
    { path: 'kv/legacy', capabilities: ['read'] },
    { path: 'database/creds/app', capabilities: ['read'] },
    { path: 'pki/issue/app', capabilities: ['update'] },
    { path: 'k8s/data/myapp/prod', capabilities: ['read'] },
    { path: 'pki/issue/web*', capabilities: ['update'] },
  ]);
}
