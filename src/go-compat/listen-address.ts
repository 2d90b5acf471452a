/**
 * A listen address in Go's form (`net.Listen("tcp", addr)`), as the Go provider's
 * `-health-addr` takes it: `host:port`, `:port` (every interface) or `[v6]:port`; port 0 picks a
 * free port.
 */
export function splitHostPort(address: string): { host?: string; port: number } {
  const match = /^(?:\[([^\]]+)\]|([^:]*)):(\d+)$/.exec(address);
  if (match === null) throw new Error(`invalid -health-addr "${address}": use host:port or :port`);
  const host = match[1] ?? match[2];
  return { ...(host === undefined || host === '' ? {} : { host }), port: Number(match[3]) };
}
