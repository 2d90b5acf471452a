/**
 * `check` as a linter over whole files: every problem of every SecretProviderClass in one run,
 * with lines; inputs as files, directories, globs, standard input, multi-document YAML and
 * Lists; and the JSON report held to the published schema (docs/check-output.schema.json).
 */
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { checkReportJsonSchema, type CheckReport } from '../../src/cli/check/check-report.js';
import { runCheck } from './run-check.js';

const CORPUS = 'test/cli/spc-corpus';
const SCHEMA_FILE = 'docs/check-output.schema.json';

async function jsonReport(args: string[], stdin = ''): Promise<{ code: number; report: CheckReport }> {
  const { code, out } = await runCheck([...args, '--output', 'json'], stdin);
  return { code, report: JSON.parse(out) as CheckReport };
}

function spc(name: string, parameters: string): string {
  return `apiVersion: secrets-store.csi.x-k8s.io/v1
kind: SecretProviderClass
metadata:
  name: ${name}
spec:
  provider: vault
  parameters:
${parameters}`;
}

const GOOD_PARAMETERS = `    roleName: app
    objects: |
      - {objectName: a, secretPath: secret/data/a, secretKey: k}
`;

describe('check over whole files', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'vcp-check-corpus-'));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  test('the broken corpus: every problem of every SecretProviderClass in one run, each at its line', async () => {
    const { code, report } = await jsonReport([join(CORPUS, 'broken.yaml')]);
    assert.equal(code, 1);
    const found = report.findings.map(
      (finding) =>
        `${finding.location.document ?? '-'}:${finding.location.line ?? '-'} ${finding.severity} ${finding.rule} ${finding.location.path ?? ''}`,
    );
    assert.deepEqual(found.sort(), [
      '1:10 warning unknown-parameter spec.parameters.vaultAdress',
      '1:12 error objects spec.parameters.objects[0].objectName',
      '1:17 error objects spec.parameters.objects[1].secretkey',
      '1:18 error objects spec.parameters.objects[2].objectName',
      '1:20 error objects spec.parameters.objects[2].method',
      '1:25 error secret-objects spec.secretObjects[0].data[0].objectName',
      '1:9 error parameter spec.parameters.roleNmae',
      '2:36 error parameter spec.parameters.vaultSkipTLSVerify',
      '2:37 error parameter spec.parameters.objects',
      '2:40 error objects spec.parameters.objects[0].format',
      '3:50 error objects spec.parameters.objetcs',
      '4:62 error parameter spec.parameters.vaultAddress',
      '4:74 error objects spec.parameters.objects[1].keyFormat',
      '4:76 error secret-objects spec.secretObjects[0].secretName',
      '4:78 error secret-objects spec.secretObjects[0].data',
      '4:82 error secret-objects spec.secretObjects[0].data[1].key',
      '4:84 warning secret-objects spec.secretObjects[1].type',
    ]);
    const fixes = report.findings.flatMap((finding) => (finding.fix === undefined ? [] : [finding.fix]));
    assert.ok(fixes.includes('rename "roleNmae" to "roleName"'), fixes.join('\n'));
    assert.ok(fixes.includes('rename "objetcs" to "objects"'));
    assert.ok(fixes.includes('rename "secretkey" to "secretKey"'));
    assert.ok(fixes.includes('rename "vaultAdress" to "vaultAddress"'));
    assert.ok(fixes.includes('vaultSkipTLSVerify: "true"'));
    assert.ok(fixes.includes('type: kubernetes.io/basic-auth'));
    assert.deepEqual(report.summary, { files: 1, secretProviderClasses: 4, errors: 15, warnings: 2 });
  });

  test("SecretProviderClasses written like the Go provider's end-to-end suite pass, even with --strict", async () => {
    const { code, report } = await jsonReport([join(CORPUS, 'go-provider-e2e.yaml'), '--strict']);
    assert.deepEqual(report.findings, []);
    assert.equal(code, 0);
    assert.equal(report.secretProviderClasses.length, 9);
    assert.ok(report.secretProviderClasses.every((entry) => entry.valid && entry.files.length > 0));
  });

  test('the SecretProviderClasses of deploy/examples pass with --strict', async () => {
    const { code, report } = await jsonReport(['deploy/examples', '--strict']);
    assert.deepEqual(report.findings, []);
    assert.equal(code, 0);
    assert.ok(report.secretProviderClasses.length >= 3);
  });

  test('typos of required parameters name the typo, once', async () => {
    const { out } = await runCheck(['-'], spc('typos', '    roleNmae: app\n    objetcs: "- {objectName: a}"\n'));
    assert.match(out, /-:8: error: parameter "roleName": missing, but "roleNmae" is set: did you mean "roleName"\?/);
    assert.match(out, /-:9: error: parameter "objects": missing, but "objetcs" is set: did you mean "objects"\?/);
    assert.doesNotMatch(out, /: warning:/, 'the typos are not listed twice');
  });

  test('multi-document files, Lists, --spc-name, directories, globs and stdin', async () => {
    await mkdir(join(dir, 'tree', 'sub'), { recursive: true });
    const list = `apiVersion: v1
kind: List
items:
  - apiVersion: secrets-store.csi.x-k8s.io/v1
    kind: SecretProviderClass
    metadata: {name: in-list}
    spec:
      provider: vault
      parameters: {objects: "- {objectName: a, secretPath: s}"}
`;
    await writeFile(
      join(dir, 'tree', 'two.yaml'),
      `${spc('first', GOOD_PARAMETERS)}---\nkind: ConfigMap\n---\n${spc('second', GOOD_PARAMETERS)}`,
    );
    await writeFile(join(dir, 'tree', 'sub', 'list.yml'), list);
    await writeFile(join(dir, 'tree', 'notes.txt'), 'not yaml: [');

    const all = await jsonReport([join(dir, 'tree')]);
    assert.deepEqual(
      all.report.secretProviderClasses.map(
        (entry) => `${entry.file.slice(dir.length + 1)}#${entry.document} ${entry.name ?? ''}`,
      ),
      ['tree/sub/list.yml#1 in-list', 'tree/two.yaml#1 first', 'tree/two.yaml#3 second'],
    );
    const listProblem = all.report.findings.find((finding) => finding.location.spc === 'in-list');
    assert.equal(listProblem?.location.path, 'items[0].spec.parameters.roleName');
    assert.equal(listProblem.location.line, 9);
    assert.equal(all.code, 1);

    const named = await jsonReport([join(dir, 'tree', '*.yaml'), '--spc-name', 'second']);
    assert.deepEqual(
      named.report.secretProviderClasses.map((entry) => entry.name),
      ['second'],
    );
    assert.equal(named.code, 0);

    const piped = await runCheck(['-'], spc('from-stdin', GOOD_PARAMETERS));
    assert.equal(piped.code, 0, piped.out);
    assert.match(piped.out, /^SecretProviderClass "from-stdin" \(-\): valid\n/);
  });

  test('a YAML syntax error is a finding at its line; the other documents are still checked', async () => {
    const file = join(dir, 'syntax.yaml');
    await writeFile(file, `${spc('fine', GOOD_PARAMETERS)}---\nkind: SecretProviderClass\nmetadata: {name: [\n`);
    const { code, report } = await jsonReport([file]);
    assert.equal(code, 1);
    assert.deepEqual(
      report.findings.map((finding) => [finding.rule, finding.location.document, finding.location.line]),
      [['yaml', 2, 13]],
    );
    assert.equal(report.secretProviderClasses[0]?.valid, true);
  });

  test('the JSON report validates against the published schema, which is the generated one', async () => {
    const published = JSON.parse(await readFile(SCHEMA_FILE, 'utf8')) as Record<string, unknown>;
    assert.deepEqual(published, checkReportJsonSchema(), `${SCHEMA_FILE} is stale: run npm run gen:check-schema`);
    const validate = new Ajv2020({ allErrors: true, strict: true }).compile(published);
    const samples = join(dir, 'samples.json');
    await writeFile(samples, JSON.stringify({ 'secret/data/a': { data: { k: 'v' } } }));
    for (const args of [
      [join(CORPUS, 'broken.yaml')],
      [join(CORPUS, 'go-provider-e2e.yaml'), '--strict'],
      [join(dir, 'tree'), '--sample-data', samples],
      [join(dir, 'nothing-here.txt')],
    ]) {
      if (args[0]?.endsWith('nothing-here.txt') === true) await writeFile(args[0], 'kind: ConfigMap\n');
      const { report } = await jsonReport(args);
      assert.ok(validate(report), `${args.join(' ')}: ${JSON.stringify(validate.errors)}`);
    }
  });
});
