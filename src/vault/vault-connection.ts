/**
 * Where a pod's Vault requests go and how the connection is secured: one value per Mount, built
 * by the mount parser from process defaults and SecretProviderClass parameters. Connections carry
 * no identity; transport agents and circuits are shared per connection.
 */

/** TLS settings toward Vault. File paths are read from the provider's own filesystem. */
export interface TlsSettings {
  readonly caCertPath?: string;
  readonly caDirectory?: string;
  readonly serverName?: string;
  readonly clientCertPath?: string;
  readonly clientKeyPath?: string;
  readonly skipVerify: boolean;
}

export interface VaultConnection {
  /** `https://host:port`, `http://host:port` or `unix:///path/to/agent.sock`. */
  readonly address: string;
  /** Sent as `X-Vault-Namespace` on every request, login included. */
  readonly namespace?: string;
  readonly tls: TlsSettings;
}
