/**
 * Which function names a template may call, how many arguments each takes, and why the others
 * are refused. The parser checks every call against this table, so a template that would reach
 * outside the sandbox fails before any secret is read.
 */

/** [min, max] argument counts, including a value piped in from the previous command. */
const ARITY: Readonly<Record<string, readonly [number, number]>> = {
  // Go text/template builtins.
  and: [1, Infinity],
  or: [1, Infinity],
  not: [1, 1],
  eq: [2, Infinity],
  ne: [2, 2],
  lt: [2, 2],
  le: [2, 2],
  gt: [2, 2],
  ge: [2, 2],
  len: [1, 1],
  index: [1, Infinity],
  print: [0, Infinity],
  printf: [1, Infinity],
  println: [0, Infinity],
  urlquery: [0, Infinity],
  // consul-template functions (same names and argument order).
  secret: [1, Infinity],
  base64Decode: [1, 1],
  base64Encode: [1, 1],
  base64URLDecode: [1, 1],
  base64URLEncode: [1, 1],
  contains: [2, 2],
  indent: [2, 2],
  join: [2, 2],
  parseJSON: [1, 1],
  replaceAll: [3, 3],
  sha256Hex: [1, 1],
  split: [2, 2],
  toJSON: [1, 1],
  toJSONPretty: [1, 1],
  toLower: [1, 1],
  toUpper: [1, 1],
  toYAML: [1, 1],
  trim: [2, 2],
  trimPrefix: [2, 2],
  trimSpace: [1, 1],
  trimSuffix: [2, 2],
  // Sprig-style extras users of the Injector commonly reach for (sprig argument order).
  hasPrefix: [2, 2],
  hasSuffix: [2, 2],
  keys: [1, 1],
};

export const SUPPORTED_FUNCTIONS: readonly string[] = Object.freeze(Object.keys(ARITY).sort());

const CONSUL = 'it would query Consul, which the provider does not talk to';
const NOMAD = 'it would query Nomad, which the provider does not talk to';

/** consul-template functions that reach outside the template; refused with the reason. */
const SANDBOXED: Readonly<Record<string, string>> = {
  env: "it would read the provider's environment variables",
  mustEnv: "it would read the provider's environment variables",
  envOrDefault: "it would read the provider's environment variables",
  file: "it would read files on the provider's node",
  writeToFile: "it would write files on the provider's node",
  plugin: 'it would run a program on the node',
  executeTemplate: 'use {{template "name" .}} instead',
  sockaddr: "it would inspect the node's network interfaces",
  timestamp: 'it reads the clock, so the file would change on every render',
  pkiCert: 'it reads and writes the destination file; use secret "pki/issue/<role>" "common_name=…" instead',
  secrets: 'it lists Vault paths at render time, so the reads cannot be planned; read each path with secret',
  scratch: 'it keeps state between renders',
  key: CONSUL,
  keyExists: CONSUL,
  keyOrDefault: CONSUL,
  ls: CONSUL,
  safeLs: CONSUL,
  tree: CONSUL,
  safeTree: CONSUL,
  service: CONSUL,
  services: CONSUL,
  connect: CONSUL,
  node: CONSUL,
  nodes: CONSUL,
  datacenters: CONSUL,
  partitions: CONSUL,
  peerings: CONSUL,
  exportedServices: CONSUL,
  importedServices: CONSUL,
  caRoots: CONSUL,
  caLeaf: CONSUL,
  nomadServices: NOMAD,
  nomadService: NOMAD,
  nomadVarList: NOMAD,
  nomadVarListSafe: NOMAD,
  nomadVar: NOMAD,
  nomadVarExists: NOMAD,
};

/** Why `name` cannot be called, or undefined when it can. */
export function refusal(name: string): string | undefined {
  if (Object.hasOwn(ARITY, name)) return undefined;
  if (Object.hasOwn(SANDBOXED, name)) {
    return `function "${name}" is not available in the provider sandbox: ${SANDBOXED[name] ?? ''}`;
  }
  return `function "${name}" is not supported (supported: ${SUPPORTED_FUNCTIONS.join(', ')})`;
}

/** An arity error in Go's words, or undefined when `count` arguments are fine. */
export function arityError(name: string, count: number): string | undefined {
  const [min, max] = ARITY[name] ?? [0, Infinity];
  if (count >= min && count <= max) return undefined;
  if (max === Infinity) return `wrong number of args for ${name}: want at least ${min} got ${count}`;
  return `wrong number of args for ${name}: want ${min === max ? min : `${min} to ${max}`} got ${count}`;
}
