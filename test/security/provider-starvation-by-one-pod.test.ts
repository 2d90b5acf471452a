/**
 * Threat: one pod's input takes the provider away from every other pod on its node. The built
 * provider runs as its own process; the attacks are the measured payloads of issue 10 and our
 * own variants. Each must fail only the attacker's Mount (ResourceExhausted, naming the object
 * and the limit), the process must live on within the chart's memory limit, and another pod
 * must be served, and the liveness probe answered, while the attacker's work runs.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { status } from '@grpc/grpc-js';
import { startRecordingServer, type RecordingServer } from './attack-kit.js';
import { BYSTANDER_OBJECTS, startSharedNode, type SharedNode } from './shared-provider-rig.js';

const CHART_MEMORY_LIMIT = 256 * 1024 * 1024;

interface GrpcError {
  readonly code?: number;
  readonly details?: string;
}

async function failure(promise: Promise<unknown>): Promise<GrpcError> {
  try {
    await promise;
  } catch (error) {
    return error as GrpcError;
  }
  assert.fail('the attacker’s Mount succeeded');
}

const jmesPathObject = (expression: string) =>
  `- {objectName: bomb, secretPath: secret/data/app, jmesPath: ${JSON.stringify(expression)}}`;

/** Text that does a lot of work per step of the template engine (encoding a 1 MiB string). */
const HEAVY_TEMPLATE = '{{ $s := printf "%1000000s" "" }}{{ range $i := 100000 }}{{ urlquery $s | len }}{{ end }}';

const templateObjects = (count: number, template: string) =>
  Array.from({ length: count }, (_, i) => `- {objectName: t${i}, template: ${JSON.stringify(template)}}`).join('\n');

describe('threat: one pod takes the shared provider from the others', () => {
  let node: SharedNode;
  before(async () => {
    node = await startSharedNode();
  });
  after(async () => {
    await node.stop();
  });

  const bombs: [name: string, expression: string][] = [
    // Measured: the process aborted (FATAL ERROR: invalid array length, heap out of memory).
    ['replace with a huge count (was a process abort)', "replace('a', 'a', 'b', `200000000`)"],
    ['replace with a count past any array', "replace('a', 'a', 'b', `20000000000`)"],
    ['pad_left to 500 million characters', "pad_left('x', `500000000`)"],
    ['pad_right of a pad_left', "pad_right(pad_left('x', `100000000`), `400000000`)"],
    ['join of padded strings', "join('', [pad_left('x', `200000000`), pad_left('y', `200000000`)])"],
    ['replace inside a padded string', "replace(pad_left('x', `30000000`, 'a'), 'a', 'bbbb')"],
  ];
  for (const [name, expression] of bombs) {
    test(`jmesPath: ${name}: ResourceExhausted for that Mount alone`, async () => {
      const error = await failure(node.mount(node.pod(), jmesPathObject(expression)));
      assert.equal(error.code, status.RESOURCE_EXHAUSTED, error.details);
      assert.match(error.details ?? '', /^object "bomb": /);
      assert.match(
        error.details ?? '',
        /-sandbox-memory-limit|-sandbox-time-limit|over the engine's limit of \d+|larger than the engine allows/,
      );
      assert.ok(node.provider.alive(), 'the provider process is alive');
      const served = await node.mount(node.pod(), BYSTANDER_OBJECTS);
      assert.equal(served.files[0]?.contents.toString(), 'app-user');
    });
  }

  test('templates whose builtins work beyond their step charge (the measured 4 objects): refused, quickly', async () => {
    const measured = [
      '{{ range $i := 100000 }}{{ printf "%300000d%300000d%300000d" 1 2 3 | len }}{{ end }}',
      '{{ $s := printf "%900000s" "x" }}{{ range $i := 100000 }}{{ len (split "" $s) }}{{ end }}',
      '{{ $s := printf "%1000000s" "" }}{{ range $i := 1000 }}{{ range split " " $s }}{{ end }}{{ end }}',
      '{{ $s := printf "%900000s" "x" }}{{ range split "" $s }}{{ printf "%900000s" . | len }}{{ end }}',
    ];
    const objects = measured.map((template, i) => `- {objectName: t${i}, template: ${JSON.stringify(template)}}`);
    const error = await failure(node.mount(node.pod(), objects.join('\n')));
    assert.equal(error.code, status.RESOURCE_EXHAUSTED, error.details);
    assert.match(error.details ?? '', /^object "t0": template line 1, column \d+: .*(steps|output limit)/);
    assert.ok(node.provider.alive());
  });

  test('while one pod’s Mounts burn the sandbox, another pod is served and /health/live answers first', async () => {
    // Each attacker Mount renders four heavy templates in turn (each within the step budget).
    const attacker = templateObjects(4, HEAVY_TEMPLATE.replace('100000', '5'));
    const attacks = [1, 2, 3].map(() =>
      node.mount(node.pod(), attacker).then(
        () => 'attack',
        () => 'attack',
      ),
    );
    const order: string[] = [];
    const watched = [
      ...attacks.map((attack) => attack.then((label) => order.push(label))),
      node.mount(node.pod(), BYSTANDER_OBJECTS).then(() => order.push('bystander')),
      node.provider.get('/health/live').then((code) => order.push(`live ${code}`)),
    ];
    await Promise.all(watched);
    assert.deepEqual(order.slice(0, 2).sort(), ['bystander', 'live 200'], `order: ${order.join(', ')}`);
    // A bystander with a template of its own is served too: the queue is fair between pods.
    const withTemplate = await node.mount(
      node.pod(),
      `- {objectName: greeting, template: "{{ with secret \\"secret/data/app\\" }}hello {{ .Data.data.username }}{{ end }}"}`,
    );
    assert.equal(withTemplate.files[0]?.contents.toString(), 'hello app-user');
  });

  test('requests as large as allowed (1 MiB of templates to parse) do not hold the event loop', async () => {
    // Expensive to parse, then quick to fail (the path does not exist): all their cost is the parse.
    const template = `{{ with secret "secret/data/missing" }}${'{{ .Data.data.username }}'.repeat(2400)}{{ end }}`;
    const attacker = templateObjects(15, template);
    assert.ok(attacker.length > 800 * 1024, 'the premise: near -max-attributes-bytes');
    const before = await node.provider.eventLoopDelays(0.25);
    const order: string[] = [];
    const attacks = [1, 2, 3].map(() =>
      node.mount(node.pod(), attacker).then(
        () => order.push('attack'),
        () => order.push('attack'),
      ),
    );
    // Let the attackers' requests arrive first.
    await new Promise((resolve) => setTimeout(resolve, 20));
    await Promise.all([
      ...attacks,
      node.mount(node.pod(), BYSTANDER_OBJECTS).then(() => order.push('bystander')),
      node.provider.get('/health/live').then((code) => order.push(`live ${code}`)),
    ]);
    assert.deepEqual(order.slice(0, 2).sort(), ['bystander', 'live 200'], `order: ${order.join(', ')}`);
    // The provider's own measure: parsed on the event loop, each of these held it about half a second.
    const afterwards = await node.provider.eventLoopDelays(0.25);
    assert.ok(afterwards.total > before.total, 'the loop was sampled during the attack');
    assert.equal(afterwards.above - before.above, 0, 'no event-loop delay above 250 ms during the attack');
  });

  test('statuses a pod chooses (sys/health codes, a failing path) do not open the circuit for the others', async () => {
    node.vault.setFault({ kind: 'status', status: 500, pathPrefix: '/v1/secret/data/app/boom' });
    try {
      const chosen = [
        `- {objectName: a, secretPath: "sys/health?activecode=503"}`,
        `- {objectName: b, secretPath: "sys/health?activecode=502"}`,
        `- {objectName: c, secretPath: "secret/data/app/boom"}`,
      ].join('\n');
      const attacker = node.pod();
      for (let round = 0; round < 4; round += 1) await failure(node.mount(attacker, chosen));
      // A fresh pod must log in and read: the breaker asked sys/health itself, which said healthy.
      const served = await node.mount(node.pod(), BYSTANDER_OBJECTS);
      assert.equal(served.files[0]?.contents.toString(), 'app-user');
    } finally {
      node.vault.setFault(null);
    }
  });

  test('the process stayed alive and within the chart’s memory limit throughout', async () => {
    assert.ok(node.provider.alive());
    const { peakRssBytes } = await node.provider.memory();
    assert.ok(
      peakRssBytes <= CHART_MEMORY_LIMIT,
      `peak RSS ${(peakRssBytes / 1048576).toFixed(0)} MiB is over the chart's 256 MiB limit`,
    );
  });
});

describe('threat: work that evades counting still meets the sandbox’s CPU-time limit', () => {
  let node: SharedNode;
  before(async () => {
    // Far below what one iteration of the heavy template takes, so the clock, not the step count, ends it.
    node = await startSharedNode(['-sandbox-time-limit=10ms']);
  });
  after(async () => {
    await node.stop();
  });

  test('a Mount past -sandbox-time-limit fails ResourceExhausted naming the object and the flag', async () => {
    const error = await failure(node.mount(node.pod(), templateObjects(3, HEAVY_TEMPLATE.replace('100000', '5'))));
    assert.equal(error.code, status.RESOURCE_EXHAUSTED, error.details);
    assert.match(
      error.details ?? '',
      /^objects? "t\d"(, "t\d")*: rendering took longer than the limit of 0\.01s of CPU time per Mount \(-sandbox-time-limit\)/,
    );
    const served = await node.mount(node.pod(), BYSTANDER_OBJECTS);
    assert.equal(served.files[0]?.contents.toString(), 'app-user');
  });
});

describe('threat: work that evades counting still meets the sandbox’s memory limit', () => {
  let node: SharedNode;
  before(async () => {
    node = await startSharedNode(['-sandbox-memory-limit=16']);
  });
  after(async () => {
    await node.stop();
  });

  test('one value held many times over is refused before it is written out in one piece', async () => {
    node.vault.writeKv('secret', 'app/big', { value: 'x'.repeat(1_000_000) });
    // Measured on Node 24: writing such a value out (60 MB in one string) aborted the process.
    const copies = Array.from({ length: 60 }, () => '@').join(',');
    for (const [name, fields] of [
      ['to_string', `jmesPath: "to_string([${copies}])"`],
      ['json', `jmesPath: "[${copies}]", format: json`],
      ['nested', `jmesPath: "[[[[[[@,@],[@,@]],[[@,@],[@,@]]],[[[@,@],[@,@]],[[@,@],[@,@]]]]]]"`],
    ] as const) {
      const error = await failure(
        node.mount(node.pod(), `- {objectName: ${name}, secretPath: secret/data/app/big, ${fields}}`),
      );
      assert.equal(error.code, status.RESOURCE_EXHAUSTED, error.details);
      assert.match(error.details ?? '', new RegExp(`^object "${name}": `));
      assert.ok(node.provider.alive());
    }
  });

  test('a Mount past -sandbox-memory-limit fails ResourceExhausted naming the object and the flag', async () => {
    node.vault.writeKv('secret', 'app/big', { value: 'x'.repeat(1_000_000) });
    // Each string is within every cap, but 60 separate copies of 1 MB add up past the heap.
    const copies = Array.from({ length: 60 }, () => '@').join(',');
    const objects = `- {objectName: hoard, secretPath: secret/data/app/big, jmesPath: "map(&to_string(@), [${copies}])"}`;
    const error = await failure(node.mount(node.pod(), objects));
    assert.equal(error.code, status.RESOURCE_EXHAUSTED, error.details);
    assert.match(
      error.details ?? '',
      /^object "hoard": rendering needed more than the memory limit of 16 MiB per Mount \(-sandbox-memory-limit\)/,
    );
    assert.ok(node.provider.alive());
    const served = await node.mount(node.pod(), BYSTANDER_OBJECTS);
    assert.equal(served.files[0]?.contents.toString(), 'app-user');
  });
});

describe('threat: a pod points its objects at answers too large to hold', () => {
  let node: SharedNode;
  let attackerVault: RecordingServer;
  before(async () => {
    node = await startSharedNode();
    // The attacker's own "Vault" (no address allowlist by default): it logs anyone in and answers
    // every read with 4 MB, each under the per-response limit.
    const filler = Buffer.alloc(4 * 1000 * 1000 - 100, 'a').toString();
    attackerVault = await startRecordingServer((request, response) => {
      response.writeHead(200, { 'content-type': 'application/json' });
      if (request.url.includes('/login')) {
        response.end(
          JSON.stringify({ auth: { client_token: 'attacker-token', lease_duration: 3600, renewable: false } }),
        );
      } else {
        response.end(`{"data":{"value":"${filler}"}}`);
      }
    });
  });
  after(async () => {
    await attackerVault.close();
    await node.stop();
  });

  test('100 objects of 4 MB answers: the Mount fails ResourceExhausted, the process stays within 256 MiB', async () => {
    const objects = Array.from(
      { length: 100 },
      (_, i) => `- {objectName: o${i}, secretPath: "secret/data/big/${i}", secretKey: value}`,
    ).join('\n');
    const error = await failure(
      node.driver.mount(
        node.pod(),
        {
          spc: {
            name: 'big',
            provider: 'vault',
            parameters: { roleName: 'app', vaultAddress: attackerVault.address, objects },
          },
        },
        `${node.targetRoot}/big`,
      ),
    );
    assert.equal(error.code, status.RESOURCE_EXHAUSTED, error.details);
    assert.match(error.details ?? '', /this Mount's Vault answers pass \d+ bytes together \(-max-response-bytes/);
    const reads = attackerVault.requests.filter((request) => !request.url.includes('/login')).length;
    assert.ok(reads < 100, `the remaining reads were dropped (${reads} were sent)`);
    const { peakRssBytes } = await node.provider.memory();
    assert.ok(peakRssBytes <= CHART_MEMORY_LIMIT, `peak RSS ${(peakRssBytes / 1048576).toFixed(0)} MiB`);
    assert.ok(node.provider.alive());
    const served = await node.mount(node.pod(), BYSTANDER_OBJECTS);
    assert.equal(served.files[0]?.contents.toString(), 'app-user');
  });
});
