/**
 * Threat: an SPC or pod author (or a hostile Vault answer) exhausts the provider, which serves
 * every pod on the node: huge attributes, thousands of objects, deeply nested or alias-bomb
 * YAML, a giant Vault response, a mount response over the driver's receive limit.
 * Control: limits checked before the work, each refusal InvalidArgument or ResourceExhausted
 * naming the limit and its flag.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { status } from '@grpc/grpc-js';
import { MAX_SUGGESTED_KEYS } from '../../src/mount/parse/attributes.js';
import { MAX_SUGGESTED_INPUT_LENGTH, suggest } from '../../src/mount/parse/suggest.js';
import { spcParameters, startHarness, type Harness } from '../support/harness.js';
import { failureOf } from './attack-kit.js';

const ONE = '- {objectName: u, secretPath: secret/data/app, secretKey: username}';

function aliasBomb(levels: number): string {
  const lines = [
    '- objectName: a',
    '  secretPath: secret/data/app',
    '  secretArgs:',
    '    l0: &l0 [x, x, x, x, x, x, x, x, x]',
  ];
  for (let i = 1; i < levels; i++)
    lines.push(
      `    l${i}: &l${i} [${Array(9)
        .fill(`*l${i - 1}`)
        .join(', ')}]`,
    );
  return lines.join('\n');
}

describe('threat: resource exhaustion through oversized or malicious input', () => {
  test('each input limit refuses with its name and flag; the provider keeps serving', async () => {
    const h = await startHarness({
      providerArgs: ['-max-attributes-bytes=65536', '-max-objects=20', '-max-response-bytes=65536'],
    });
    try {
      const cases: {
        what: string;
        parameters: Record<string, string>;
        code: number;
        limit: RegExp;
        secret?: Record<string, string>;
      }[] = [
        {
          what: 'attributes over -max-attributes-bytes',
          parameters: spcParameters(`${ONE}\n# ${'x'.repeat(70_000)}`),
          code: status.INVALID_ARGUMENT,
          limit: /65536 bytes \(-max-attributes-bytes\)/,
        },
        {
          what: 'more objects than -max-objects',
          parameters: spcParameters(
            Array.from(
              { length: 21 },
              (_, i) => `- {objectName: o${i}, secretPath: secret/data/app, secretKey: username}`,
            ).join('\n'),
          ),
          code: status.INVALID_ARGUMENT,
          limit: /21 objects, over the limit of 20 \(-max-objects\)/,
        },
        {
          what: 'deep flow YAML',
          parameters: spcParameters(
            `- {objectName: a, secretPath: secret/data/app, secretArgs: {k: ${'['.repeat(5000)}${']'.repeat(5000)}}}`,
          ),
          code: status.INVALID_ARGUMENT,
          limit: /-max-yaml-depth/,
        },
        {
          what: 'deep block YAML',
          parameters: spcParameters(
            `- objectName: a\n  secretPath: secret/data/app\n  secretArgs:\n${Array.from({ length: 100 }, (_, i) => `${' '.repeat(4 + 2 * i)}k${i}:`).join('\n')} v`,
          ),
          code: status.INVALID_ARGUMENT,
          limit: /-max-yaml-depth/,
        },
        {
          what: 'billion laughs',
          parameters: spcParameters(aliasBomb(9)),
          code: status.INVALID_ARGUMENT,
          limit: /aliases \(more than 100\)/,
        },
        {
          what: 'nodePublishSecretRef data over the limit',
          parameters: spcParameters(ONE),
          secret: { big: 'y'.repeat(70_000) },
          code: status.INVALID_ARGUMENT,
          limit: /parameter "secrets": \d+ bytes, over the limit of 65536/,
        },
      ];
      for (const { what, parameters, code, limit, secret } of cases) {
        // Refused quickly: within a 2 s call deadline, else the call would end DEADLINE_EXCEEDED.
        const failure = await failureOf(
          h.driver.mount(
            h.appPod(),
            { spc: h.spc(parameters), ...(secret === undefined ? {} : { nodePublishSecret: secret }) },
            h.target(),
            { deadlineMs: 2000 },
          ),
        );
        assert.equal(failure.code, code, what);
        assert.match(failure.details ?? '', limit, what);
        assert.ok(!(failure.details ?? '').includes('yyyyyyyy'), `${what}: the secret is not echoed`);
      }

      // Vault's answer over -max-response-bytes, and a mount whose files together exceed it.
      h.vault.writeKv('secret', 'app/huge', { blob: 'z'.repeat(100_000) });
      h.vault.writeKv('secret', 'app/medium', { blob: 'm'.repeat(30_000) });
      const huge = await failureOf(
        h.mount(h.appPod(), spcParameters('- {objectName: h, secretPath: secret/data/app/huge, secretKey: blob}')),
      );
      assert.equal(huge.code, status.RESOURCE_EXHAUSTED);
      assert.match(huge.details ?? '', /limit of 65536 bytes \(-max-response-bytes\)/);
      const many = await failureOf(
        h.mount(
          h.appPod(),
          spcParameters(
            ['a', 'b', 'c']
              .map((name) => `- {objectName: ${name}, secretPath: secret/data/app/medium, secretKey: blob}`)
              .join('\n'),
          ),
        ),
      );
      assert.equal(many.code, status.RESOURCE_EXHAUSTED);
      assert.match(many.details ?? '', /over the limit of 65536 bytes \(-max-response-bytes/);

      const ok = await h.mount(h.appPod(), spcParameters(ONE));
      assert.equal(ok.files[0]!.contents.toString(), 'app-user', 'still serving after every attack');
    } finally {
      await h.stop();
    }
  });

  test('the default attributes limit (1 MiB) holds without any flag', async () => {
    const h = await startHarness();
    try {
      const failure = await failureOf(h.mount(h.appPod(), spcParameters(`${ONE}\n# ${'x'.repeat(1_100_000)}`)));
      assert.equal(failure.code, status.INVALID_ARGUMENT);
      assert.match(failure.details ?? '', /over the limit of 1048576 bytes \(-max-attributes-bytes\)/);
    } finally {
      await h.stop();
    }
  });

  test('"did you mean": after the size limits, on short keys, for a few keys: a hostile map buys no work', async () => {
    // Edit distance costs the key's length times the name's: a long key gets no suggestion.
    const near = 'a'.repeat(MAX_SUGGESTED_INPUT_LENGTH);
    assert.equal(suggest(near, [near.slice(1)]), near.slice(1));
    assert.equal(suggest(`${near}a`, [near]), undefined, 'past the length cap, even one edit away');

    const h = await startHarness({ providerArgs: ['-max-attributes-bytes=65536', '-max-objects=20'] });
    const lastAudit = (harness: Harness) =>
      JSON.parse(harness.logs.filter((line) => line.includes('"audit":true')).at(-1) ?? '{}') as {
        result?: string;
        possiblyMisspeltParameters?: string[];
      };
    try {
      // Over -max-attributes-bytes: refused, and no key of it was looked at.
      const hostile: Record<string, string> = { ...spcParameters(ONE), vaultAdress: 'x' };
      for (let i = 0; i < 400; i++) hostile[`${'k'.repeat(200)}${i}`] = 'v';
      const refused = await failureOf(h.mount(h.appPod(), hostile));
      assert.equal(refused.code, status.INVALID_ARGUMENT);
      assert.match(refused.details ?? '', /-max-attributes-bytes/);
      assert.equal(lastAudit(h).possiblyMisspeltParameters, undefined, 'no suggestion for an oversized map');

      // Within the limit: 255 spellings of roleName, each a plausible typo; only the first few are looked at.
      const spellings: Record<string, string> = {};
      for (let mask = 0; mask < 256; mask++) {
        const key = Array.from('roleName', (c, i) => ((mask >> i) & 1 ? c.toUpperCase() : c.toLowerCase())).join('');
        if (key !== 'roleName') spellings[key] = 'v';
      }
      const served = await h.mount(h.appPod(), { ...spellings, ...spcParameters(ONE) });
      assert.equal(served.files[0]?.contents.toString(), 'app-user');
      assert.equal(lastAudit(h).possiblyMisspeltParameters?.length, MAX_SUGGESTED_KEYS);

      // -max-objects is checked before any entry is parsed, so before a misspelt field is looked up.
      const entries = Array.from({ length: 21 }, (_, i) => `- {objectName: o${i}, secretPath: secret/data/app}`);
      entries[0] = '- {objectName: o0, secretPath: secret/data/app, secretkey: username}';
      const tooMany = await failureOf(h.mount(h.appPod(), spcParameters(entries.join('\n'))));
      assert.match(tooMany.details ?? '', /21 objects, over the limit of 20 \(-max-objects\)/);

      // A megabyte-class field name is neither compared nor echoed whole.
      const longField = `secretkey${'y'.repeat(50_000)}`;
      const unknown = await failureOf(
        h.mount(h.appPod(), spcParameters(`- {objectName: a, secretPath: secret/data/app, ${longField}: 1}`)),
      );
      assert.equal(unknown.code, status.INVALID_ARGUMENT);
      assert.match(unknown.details ?? '', /unknown field "secretkeyy+…" \(known fields: /);
      assert.ok((unknown.details ?? '').length < 1000, `details of ${(unknown.details ?? '').length} characters`);
    } finally {
      await h.stop();
    }
  });
});
