/** The read the VaultHttp tests send: KV v2 `secret/app` from the dev Vault with its root token. */
import type { VaultHttp, VaultHttpResponse } from '../../src/vault/vault-http.js';
import type { DevVault } from '../support/vault-dev/index.js';

export function readAppSecret(http: VaultHttp, vault: DevVault): Promise<VaultHttpResponse> {
  return http.send(
    { address: vault.address, tls: { skipVerify: false } },
    {
      operation: 'read',
      method: 'GET',
      path: '/v1/secret/data/app',
      token: vault.rootToken,
      signal: new AbortController().signal,
      subject: 'object "app"',
    },
  );
}
