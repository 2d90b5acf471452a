// Imports point one way (DESIGN.md section 2): each part of src/ may import only the parts listed
// for it below, which sit beneath it. A lower part that needs something from above declares an
// interface and lets the upper part meet it. The table is checked to have no cycle when this file
// loads, so no folder cycle can pass `npm run lint`; `npm run graph` prints the imports as they are.

/**
 * Part of src/ → the parts it may import. A part is a folder or a file of src/ without `.ts`;
 * a nested key (`mount/parse`) is a part of its own, and a file belongs to the longest key that
 * contains it. Imports inside one part are always allowed; `mount/*` allows `mount` and every
 * part below it.
 */
export const LAYERS = {
  // Wiring and tools: the top.
  main: ['config', 'provider', 'cli', 'version'],
  provider: [
    'config',
    'server',
    'mount/*',
    'leases',
    'vault',
    'kube',
    'sandbox',
    'observability',
    'async',
    'version',
    'errors',
  ],
  cli: ['config', 'mount/*', 'vault', 'template', 'go-compat', 'generated', 'provider-proto', 'errors', 'version'],
  // Flags and environment: parsed into the settings types the domain folders own.
  config: ['mount/*', 'leases', 'vault', 'sandbox', 'observability', 'go-compat', 'errors'],
  // The driver-facing servers.
  server: ['mount/*', 'vault', 'observability', 'generated', 'provider-proto', 'go-compat', 'errors', 'version'],
  // One Mount, stage by stage: MountService (mount/) calls the stages in order; a stage imports
  // only the stages before it.
  mount: [
    'mount/output',
    'mount/render',
    'mount/fetch',
    'mount/plan',
    'mount/parse',
    'mount/policy',
    'mount/spec',
    'vault',
    'sandbox',
    'observability',
    'async',
    'errors',
  ],
  'mount/output': ['mount/render', 'mount/plan', 'mount/parse', 'mount/spec', 'vault', 'go-compat', 'errors'],
  'mount/render': [
    'mount/plan',
    'mount/parse',
    'mount/spec',
    'vault',
    'template',
    'sandbox',
    'observability',
    'go-compat',
    'errors',
  ],
  'mount/fetch': ['mount/plan', 'mount/spec', 'vault', 'async', 'errors'],
  'mount/plan': ['mount/parse', 'mount/spec', 'vault', 'go-compat'],
  'mount/parse': ['mount/policy', 'mount/spec', 'vault', 'template', 'go-compat', 'errors'],
  'mount/policy': ['mount/spec', 'vault', 'errors'],
  'mount/spec': ['vault'],
  // The lease cache meets mount's secret source; it reads through vault/ and watches pods through kube/.
  leases: ['vault', 'kube', 'observability', 'async', 'errors'],
  // Vault and Kubernetes clients, side by side: neither imports the other.
  vault: ['observability', 'http', 'async', 'go-compat', 'errors'],
  kube: ['observability', 'http', 'async', 'errors', 'version'],
  // Untrusted, pod-chosen work off the main thread (issue 10), and the template engine it runs.
  sandbox: ['template', 'go-compat', 'observability', 'async', 'errors'],
  // Leaves and small shared helpers.
  template: ['go-compat'],
  observability: ['errors'],
  http: [],
  async: [],
  'go-compat': [],
  'provider-proto': ['generated'],
  generated: [],
  errors: [],
  version: [],
};

/** Whether `allowed` (an entry of a part's list) admits the part `to`. */
function admits(allowed, to) {
  if (!allowed.endsWith('/*')) return allowed === to;
  const base = allowed.slice(0, -2);
  return to === base || to.startsWith(`${base}/`);
}

/** The parts `part` may import, wildcards expanded. */
export function allowedParts(part, layers = LAYERS) {
  return Object.keys(layers).filter((to) => to !== part && (layers[part] ?? []).some((entry) => admits(entry, to)));
}

function findCycle(layers) {
  const state = new Map();
  const path = [];
  const visit = (part) => {
    if (state.get(part) === 'done') return undefined;
    if (state.get(part) === 'open') return [...path.slice(path.indexOf(part)), part];
    state.set(part, 'open');
    path.push(part);
    for (const next of allowedParts(part, layers)) {
      const cycle = visit(next);
      if (cycle !== undefined) return cycle;
    }
    path.pop();
    state.set(part, 'done');
    return undefined;
  };
  for (const part of Object.keys(layers)) {
    const cycle = visit(part);
    if (cycle !== undefined) return cycle;
  }
  return undefined;
}

/** Throws when the table names an unknown part or has a cycle; the rule and the graph script both call it. */
export function checkLayers(layers) {
  for (const [part, allowed] of Object.entries(layers)) {
    for (const target of allowed) {
      const base = target.endsWith('/*') ? target.slice(0, -2) : target;
      if (!(base in layers)) throw new Error(`import-layers: "${part}" may import "${target}", which has no entry`);
    }
  }
  const cycle = findCycle(layers);
  if (cycle !== undefined) throw new Error(`import-layers: the table has a cycle: ${cycle.join(' → ')}`);
}

checkLayers(LAYERS);

/** The part a path below src/ (`vault/vault-http.ts`) belongs to, or undefined when no key holds it. */
export function partOf(pathInSrc, layers = LAYERS) {
  const withoutExtension = pathInSrc.replace(/\.(ts|js|mjs)$/, '');
  let found;
  for (const key of Object.keys(layers)) {
    if (withoutExtension === key || withoutExtension.startsWith(`${key}/`)) {
      if (found === undefined || key.length > found.length) found = key;
    }
  }
  return found;
}

function toPosix(path) {
  return path.split('\\').join('/');
}

function resolveRelative(fromFile, specifier) {
  const parts = toPosix(fromFile).split('/').slice(0, -1);
  for (const segment of specifier.split('/')) {
    if (segment === '.' || segment === '') continue;
    if (segment === '..') parts.pop();
    else parts.push(segment);
  }
  return parts.join('/');
}

/** @type {import('eslint').Rule.RuleModule} */
export const importLayersRule = {
  meta: {
    type: 'problem',
    docs: { description: 'Each part of src/ imports only the parts beneath it (lint/import-layers.js)' },
    schema: [],
    messages: {
      upward:
        'src/{{from}} may not import src/{{to}}: {{from}} may import only {{allowed}} (lint/import-layers.js). ' +
        'Move the type or helper down, or declare an interface here and let the upper part meet it.',
      unplaced: 'src/{{path}} belongs to no part of lint/import-layers.js: add its folder to LAYERS.',
      outside: 'src/ may not import {{specifier}}: production code never depends on tests or tools.',
    },
  },
  create(context) {
    const cwd = toPosix(context.cwd);
    const file = toPosix(context.filename);
    const srcRoot = `${cwd}/src/`;
    if (!file.startsWith(srcRoot)) return {};
    const fromPath = file.slice(srcRoot.length);
    const from = partOf(fromPath);

    const check = (node, source) => {
      if (source === null || source === undefined || typeof source.value !== 'string') return;
      const specifier = source.value;
      if (!specifier.startsWith('.')) return;
      const target = resolveRelative(file, specifier);
      if (!target.startsWith(srcRoot)) {
        context.report({ node, messageId: 'outside', data: { specifier } });
        return;
      }
      const toPath = target.slice(srcRoot.length);
      const to = partOf(toPath);
      if (from === undefined || to === undefined) {
        context.report({ node, messageId: 'unplaced', data: { path: from === undefined ? fromPath : toPath } });
        return;
      }
      if (from === to || LAYERS[from].some((entry) => admits(entry, to))) return;
      const allowed = LAYERS[from].length === 0 ? 'nothing else' : LAYERS[from].join(', ');
      context.report({ node, messageId: 'upward', data: { from, to, allowed } });
    };

    return {
      ImportDeclaration: (node) => check(node, node.source),
      ExportNamedDeclaration: (node) => check(node, node.source),
      ExportAllDeclaration: (node) => check(node, node.source),
      ImportExpression: (node) => check(node, node.source.type === 'Literal' ? node.source : null),
    };
  },
};

export default { rules: { 'import-layers': importLayersRule } };
