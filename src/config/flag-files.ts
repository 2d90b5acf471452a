/**
 * The files named by flags, read once at start: the Vault TLS files and directory, the HMAC key
 * file and the lease state key file. A missing, unreadable or unusable one stops the provider
 * with the flag and the path, instead of failing the first Mount with an error that blames a
 * SecretProviderClass parameter nobody set. They are read again where they are used (a mounted
 * Secret may be rotated); this only proves they are usable now.
 */
import { createSecureContext } from 'node:tls';
import { readStateKey } from '../leases/lease-state-store.js';
import type { Logger } from '../observability/logger.js';
import { loadTlsMaterial, type TlsFileNames } from '../vault/transport.js';
import { InvalidParameterError } from '../errors.js';
import { ConfigError } from './command-line.js';
import { loadHmacKey } from './hmac-key.js';
import type { ProviderConfig } from './provider-config.js';

const FLAG_TLS_FILE_NAMES: TlsFileNames = {
  caCert: '-vault-tls-ca-cert',
  caDirectory: '-vault-tls-ca-directory',
  clientCert: '-vault-tls-client-cert',
  clientKey: '-vault-tls-client-key',
  where: '',
};

type FlagFiles = Pick<ProviderConfig, 'connection' | 'hmacKeyFile' | 'leases'>;

export async function checkFlagFiles(config: FlagFiles, logger: Logger): Promise<void> {
  const { tls } = config.connection;
  let material;
  try {
    material = await loadTlsMaterial(tls, FLAG_TLS_FILE_NAMES);
  } catch (error) {
    if (error instanceof InvalidParameterError) throw new ConfigError(error.message);
    throw error;
  }
  if (material.ca !== undefined || material.cert !== undefined) {
    try {
      // OpenSSL's own parse: a truncated certificate or a key that does not match its
      // certificate fails here. Its message names the problem, never the file's content.
      createSecureContext(material);
    } catch (error) {
      const flags =
        material.cert === undefined
          ? tls.caCertPath === undefined
            ? '-vault-tls-ca-directory'
            : '-vault-tls-ca-cert'
          : '-vault-tls-ca-cert/-vault-tls-ca-directory, -vault-tls-client-cert and -vault-tls-client-key';
      const code = (error as { code?: unknown }).code;
      const reason = typeof code === 'string' ? code : error instanceof Error ? error.message : 'unusable';
      throw new ConfigError(`the TLS files of ${flags} cannot be used (${reason})`);
    }
  }
  if (config.hmacKeyFile !== undefined) await loadHmacKey(config.hmacKeyFile, logger);
  const stateKeyFile = config.leases.stateKeyFile;
  if (stateKeyFile !== undefined) {
    try {
      await readStateKey(stateKeyFile);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      throw new ConfigError(
        code !== undefined && code !== 'ERR_STATE_KEY'
          ? `cannot read -state-key-file "${stateKeyFile}" (${code})`
          : (error as Error).message,
      );
    }
  }
}
