/**
 * The import-direction rule (lint/import-layers.js) fires on an upward import, an unplaced folder
 * and an import out of src/, and passes the imports the table allows; the table itself has no
 * cycle, and the code as it is has none between parts either (what `npm run graph` prints).
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it, test } from 'node:test';
import { RuleTester } from 'eslint';
import tseslint from 'typescript-eslint';
import { allowedParts, checkLayers, importLayersRule, LAYERS, partOf } from '../../lint/import-layers.js';
import { importGraph } from '../../lint/import-graph.js';

RuleTester.describe = describe;
RuleTester.it = it;
RuleTester.itOnly = it.only;

const tester = new RuleTester({ languageOptions: { parser: tseslint.parser } });
const at = (path: string) => join(process.cwd(), 'src', path);

tester.run('import-layers', importLayersRule, {
  valid: [
    {
      filename: at('mount/mount-service.ts'),
      code: "import type { VaultIdentity } from '../vault/vault-identity.js';",
    },
    { filename: at('vault/vault-http.ts'), code: "import { abortableSleep } from './abortable-sleep.js';" },
    { filename: at('config/provider-config.ts'), code: "export { ConfigError } from './command-line.js';" },
    { filename: at('kube/in-cluster.ts'), code: "import { Agent } from 'undici';" },
    // Tests and tools are not src/: they may import anything.
    { filename: join(process.cwd(), 'test/vault/x.test.ts'), code: "import '../../src/mount/plan.js';" },
  ],
  invalid: [
    {
      filename: at('vault/transport.ts'),
      code: "import type { VaultConnection } from '../mount/mount-spec.js';",
      errors: [{ messageId: 'upward', data: { from: 'vault', to: 'mount', allowed: LAYERS.vault?.join(', ') } }],
    },
    {
      filename: at('observability/logger.ts'),
      code: "export type { LogLevel } from '../config/provider-config.js';",
      errors: [{ messageId: 'upward' }],
    },
    {
      filename: at('kube/x.ts'),
      code: "export * from '../leases/lease-settings.js';",
      errors: [{ messageId: 'upward' }],
    },
    {
      filename: at('vault/x.ts'),
      code: "await import('../server/grpc-server.js');",
      errors: [{ messageId: 'upward' }],
    },
    { filename: at('brand-new/x.ts'), code: "import '../errors.js';", errors: [{ messageId: 'unplaced' }] },
    { filename: at('mount/x.ts'), code: "import '../../test/support/harness.js';", errors: [{ messageId: 'outside' }] },
    // A stage imports only the stages before it.
    { filename: at('mount/parse/x.ts'), code: "import '../render/selector.js';", errors: [{ messageId: 'upward' }] },
  ],
});

test('a file belongs to the longest part that holds it', () => {
  const layers = { mount: [], 'mount/parse': [], errors: [] };
  assert.equal(partOf('mount/plan.ts', layers), 'mount');
  assert.equal(partOf('mount/parse/objects.ts', layers), 'mount/parse');
  assert.equal(partOf('errors.ts', layers), 'errors');
  assert.equal(partOf('mounted/x.ts', layers), undefined);
});

test('`mount/*` admits mount and every part below it, and nothing that only starts alike', () => {
  const layers = { cli: ['mount/*'], mount: ['mount/parse'], 'mount/parse': [], mounted: [] };
  assert.deepEqual(allowedParts('cli', layers), ['mount', 'mount/parse']);
  assert.deepEqual(allowedParts('mount', layers), ['mount/parse']);
  assert.throws(() => checkLayers({ ...layers, 'mount/parse': ['cli'] }), /cycle/);
});

test('a table with a cycle or an unknown part is refused', () => {
  assert.doesNotThrow(() => checkLayers(LAYERS));
  assert.throws(() => checkLayers({ a: ['b'], b: ['c'], c: ['a'] }), /cycle: a → b → c → a/);
  assert.throws(() => checkLayers({ a: ['nowhere'] }), /"a" may import "nowhere", which has no entry/);
});

test('the code imports only what the table allows, so the parts form no cycle', () => {
  for (const [from, edges] of importGraph()) {
    for (const to of edges.keys()) {
      assert.ok(allowedParts(from).includes(to), `${from} → ${to}`);
    }
  }
});
