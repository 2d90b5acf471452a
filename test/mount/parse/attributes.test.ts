import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import YAML from 'yaml';
import { InvalidParameterError, MissingServiceAccountTokenError, ProviderError } from '../../../src/errors.js';
import {
  parseAttributes,
  parseMountRequest,
  parseRequestPermission,
  unknownParameters,
} from '../../../src/mount/parse/attributes.js';
import type { ConnectionDefaults, MountSpec } from '../../../src/mount/spec/mount-spec.js';
import { KNOWN_PARAMETERS } from '../../../src/mount/spec/parameter-names.js';
import { OBJECT_FIELDS } from '../../../src/mount/parse/object-entry.js';
import { DEFAULTS, OTHER_TOKEN, TOKEN, request, tokensJson } from '../mount-fixtures.js';

function parse(
  overrides: Record<string, string | undefined> = {},
  rest: { secrets?: string; permission?: string } = {},
  defaults: ConnectionDefaults = DEFAULTS,
): MountSpec {
  return parseMountRequest(request(overrides, rest), defaults);
}

/** Asserts `fn` throws `type` with a message matching every pattern; returns the message. */
function expectError(fn: () => unknown, type: new (...args: never[]) => Error, ...patterns: RegExp[]): string {
  let caught: unknown;
  try {
    fn();
  } catch (error) {
    caught = error;
  }
  assert.ok(caught instanceof type, `expected ${type.name}, got ${String(caught)}`);
  for (const pattern of patterns) assert.match(caught.message, pattern);
  assert.ok(!caught.message.includes(TOKEN), 'the token must never appear in a message');
  assert.ok(!caught.message.includes(OTHER_TOKEN), 'no token may appear in a message');
  return caught.message;
}

describe('parseMountRequest: a complete driver request', () => {
  test('gives the typed spec with defaults applied', () => {
    assert.deepEqual(parse(), {
      pod: {
        namespace: 'team-a',
        name: 'app-0',
        uid: '6f1c1a52-0000-4000-8000-000000000001',
        serviceAccountName: 'app',
      },
      secretProviderClass: 'app-secrets',
      serviceAccountToken: TOKEN,
      connection: { address: 'https://127.0.0.1:8200', tls: { skipVerify: false } },
      auth: { mountPath: 'kubernetes', roleName: 'app', audience: 'vault' },
      defaultFileMode: 0o644,
      objects: [
        {
          objectName: 'db-password',
          secretPath: 'secret/data/db',
          secretKey: 'password',
          method: 'GET',
          encoding: 'utf-8',
          asWritten: {
            objectName: 'db-password',
            secretPath: 'secret/data/db',
            secretKey: 'password',
            method: '',
            secretArgs: null,
            filePermission: 0,
            encoding: '',
          },
        },
      ],
    });
  });

  test('secretProviderClass is optional (absent on old-driver rotation calls)', () => {
    assert.equal(parse({ secretProviderClass: undefined }).secretProviderClass, undefined);
    assert.equal(parse({ secretProviderClass: '' }).secretProviderClass, undefined);
  });

  test('unknown top-level attributes are tolerated; historic parameters too', () => {
    const spec = parse({
      extraVolumeAttribute: 'x',
      vaultCAPem: 'ignored',
      objectVersion: '1',
      objectPath: '/x',
      kubernetesServiceAccountPath: '/t',
    });
    assert.equal(spec.auth.roleName, 'app');
  });
});

describe('a misspelt required parameter', () => {
  test('a missing roleName names the key that looks like it, so the pod event says what to rename', () => {
    expectError(
      () => parse({ roleName: undefined, roleNmae: 'app' }),
      InvalidParameterError,
      /^parameter "roleName": missing, but "roleNmae" is set: did you mean "roleName"\?/,
    );
  });
  test('so does a missing objects', () => {
    const objects = request({}).attributes;
    const withTypo = JSON.parse(objects) as Record<string, string>;
    withTypo.objetcs = withTypo.objects ?? '';
    delete withTypo.objects;
    expectError(
      () => parseMountRequest({ ...request({}), attributes: JSON.stringify(withTypo) }, DEFAULTS),
      InvalidParameterError,
      /^parameter "objects": missing, but "objetcs" is set: did you mean "objects"\?/,
    );
  });
});

describe('pod information', () => {
  test('without csi.storage.k8s.io/pod.name the mount is served, as the Go provider serves it', () => {
    for (const name of [undefined, '']) {
      const spec = parse({ 'csi.storage.k8s.io/pod.name': name });
      assert.equal(spec.pod.name, '');
      assert.equal(spec.auth.roleName, 'app');
    }
  });

  test('the TokenRequest fallback still needs the pod name (the token is bound to the pod by name)', () => {
    const noTokenNoName = request({
      'csi.storage.k8s.io/pod.name': undefined,
      'csi.storage.k8s.io/serviceAccount.tokens': undefined,
    });
    expectError(
      () => parseMountRequest(noTokenNoName, DEFAULTS, { tokenFallback: true }),
      InvalidParameterError,
      /^parameter "csi\.storage\.k8s\.io\/pod\.name": missing/,
    );
    const withName = request({ 'csi.storage.k8s.io/serviceAccount.tokens': undefined });
    assert.equal(parseMountRequest(withName, DEFAULTS, { tokenFallback: true }).serviceAccountToken, '');
  });

  for (const key of [
    'csi.storage.k8s.io/pod.namespace',
    'csi.storage.k8s.io/pod.uid',
    'csi.storage.k8s.io/serviceAccount.name',
  ]) {
    test(`missing ${key} names the key and podInfoOnMount`, () => {
      const escaped = key.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
      expectError(
        () => parse({ [key]: undefined }),
        InvalidParameterError,
        new RegExp(`^parameter "${escaped}"`),
        /podInfoOnMount: true/,
      );
      expectError(() => parse({ [key]: '' }), InvalidParameterError, /podInfoOnMount/);
    });
  }
});

describe('attributes and secrets strings', () => {
  const badAttributes: [string, RegExp][] = [
    ['', /^parameter "attributes": empty/],
    ['{', /^parameter "attributes": is not valid JSON/],
    ['[]', /^parameter "attributes": must be a JSON object of string values/],
    ['null', /^parameter "attributes": must be a JSON object/],
    ['"x"', /^parameter "attributes": must be a JSON object/],
    ['{"roleName": 1}', /key "roleName" is not a string/],
  ];
  for (const [text, pattern] of badAttributes) {
    test(`attributes ${JSON.stringify(text)} is rejected`, () => {
      expectError(
        () => parseMountRequest({ ...request(), attributes: text }, DEFAULTS),
        InvalidParameterError,
        pattern,
      );
    });
  }

  test('prototype-looking keys are plain keys, not inherited properties', () => {
    const map = parseAttributes('{"__proto__": "x", "constructor": "y"}');
    assert.equal(map.get('__proto__'), 'x');
    assert.equal(map.get('toString'), undefined);
  });

  for (const secrets of ['null', '', '  ', '{}', '{"username":"u"}']) {
    test(`secrets ${JSON.stringify(secrets)} is accepted`, () => {
      assert.equal(parse({}, { secrets }).serviceAccountToken, TOKEN);
    });
  }
  for (const secrets of ['{', '[1]', '"s3cr3t-value"', '{"password": 42}', '{"password": "s3cr3t-value"']) {
    test(`malformed secrets ${JSON.stringify(secrets)} names secrets and never echoes it`, () => {
      const message = expectError(
        () => parse({}, { secrets }),
        InvalidParameterError,
        /^parameter "secrets"/,
        /content not shown/,
      );
      assert.ok(!message.includes('s3cr3t'));
      assert.ok(!message.includes('password'));
    });
  }
});

describe('service-account token selection', () => {
  const tokensKey = 'csi.storage.k8s.io/serviceAccount.tokens';

  test('from attributes when secrets is null', () => {
    assert.equal(parse({}, { secrets: 'null' }).serviceAccountToken, TOKEN);
  });
  test('from secrets first (serviceAccountTokenInSecrets), over attributes', () => {
    const secrets = JSON.stringify({ [tokensKey]: tokensJson({ vault: OTHER_TOKEN }) });
    assert.equal(parse({}, { secrets }).serviceAccountToken, OTHER_TOKEN);
  });
  test('from secrets when attributes have none', () => {
    const secrets = JSON.stringify({ [tokensKey]: tokensJson({ vault: OTHER_TOKEN }) });
    assert.equal(parse({ [tokensKey]: undefined }, { secrets }).serviceAccountToken, OTHER_TOKEN);
  });
  test('secrets without the key fall back to attributes', () => {
    assert.equal(parse({}, { secrets: '{"other":"x"}' }).serviceAccountToken, TOKEN);
  });
  test('the audience parameter picks its entry', () => {
    const tokens = tokensJson({ vault: TOKEN, 'https://vault.example': OTHER_TOKEN });
    assert.equal(parse({ [tokensKey]: tokens, audience: 'https://vault.example' }).serviceAccountToken, OTHER_TOKEN);
    assert.equal(parse({ [tokensKey]: tokens, audience: '' }).serviceAccountToken, TOKEN);
    assert.equal(parse({ [tokensKey]: tokens }).auth.audience, 'vault');
  });
  test('no tokens at all: says to add the audience to tokenRequests', () => {
    expectError(
      () => parse({ [tokensKey]: undefined }),
      MissingServiceAccountTokenError,
      /^parameter "csi\.storage\.k8s\.io\/serviceAccount\.tokens"/,
      /add audience "vault" to the CSIDriver's tokenRequests/,
    );
  });
  test('missing audience: lists the audiences present, names only', () => {
    const tokens = tokensJson({ 'sts.amazonaws.com': TOKEN, 'api://AzureADTokenExchange': OTHER_TOKEN });
    expectError(
      () => parse({ [tokensKey]: tokens, audience: 'vault-prod' }),
      MissingServiceAccountTokenError,
      /no token for audience "vault-prod"/,
      /"sts\.amazonaws\.com", "api:\/\/AzureADTokenExchange"/,
      /add audience "vault-prod" to the CSIDriver's tokenRequests/,
    );
  });
  test('an empty token map lists none', () => {
    expectError(() => parse({ [tokensKey]: '{}' }), MissingServiceAccountTokenError, /tokens for: none/);
  });
  for (const [name, value] of [
    ['not JSON', `{"vault": {"token": "${TOKEN}"`],
    ['a list', `["${TOKEN}"]`],
    ['a string', JSON.stringify(TOKEN)],
  ] as const) {
    test(`malformed tokens (${name}) are an invalid parameter, content not shown`, () => {
      expectError(() => parse({ [tokensKey]: value }), InvalidParameterError, /content not shown/);
    });
  }
  for (const [name, entry] of [
    ['no token field', { expirationTimestamp: 'x' }],
    ['empty token', { token: '' }],
    ['token not a string', { token: 42 }],
    ['entry a string', TOKEN],
  ] as const) {
    test(`entry with ${name} is a missing token`, () => {
      expectError(
        () => parse({ [tokensKey]: JSON.stringify({ vault: entry }) }),
        MissingServiceAccountTokenError,
        /audience "vault" has no token/,
      );
    });
  }
  test('an audience named __proto__ is just a name', () => {
    expectError(
      () => parse({ [tokensKey]: tokensJson({ vault: TOKEN }), audience: '__proto__' }),
      MissingServiceAccountTokenError,
      /no token for audience "__proto__"/,
    );
  });
});

describe('SecretProviderClass parameters', () => {
  test('roleName is required', () => {
    expectError(() => parse({ roleName: undefined }), InvalidParameterError, /^parameter "roleName": missing/);
    expectError(() => parse({ roleName: '' }), InvalidParameterError, /^parameter "roleName"/);
  });

  const goodAddresses = [
    'https://vault.vault.svc:8200',
    'http://vault:8200',
    'https://vault.example.com/',
    'https://[::1]:8200',
    'unix:///var/run/vault/agent.sock',
  ];
  for (const address of goodAddresses) {
    test(`vaultAddress ${address} is accepted`, () => {
      assert.equal(parse({ vaultAddress: address }).connection.address, address);
    });
  }
  const badAddresses = [
    'vault:8200',
    'vault.example.com',
    'ftp://vault',
    'unix://relative.sock',
    'unix:///',
    'https://admin:hunter2@vault:8200',
    'https://vault:8200?x=1',
    'https://vault:8200#x',
    ' https://vault:8200',
    'https://vault:8200\n',
    'https://',
  ];
  for (const address of badAddresses) {
    test(`vaultAddress ${JSON.stringify(address)} is rejected, naming the parameter`, () => {
      const message = expectError(
        () => parse({ vaultAddress: address }),
        InvalidParameterError,
        /^parameter "vaultAddress"/,
      );
      assert.ok(!message.includes('hunter2'));
    });
  }

  const mountPaths: [string, string][] = [
    ['kubernetes', 'kubernetes'],
    ['auth/kubernetes', 'kubernetes'],
    ['/v1/auth/kubernetes/', 'kubernetes'],
    ['v1/auth/jwt', 'jwt'],
    ['/kubernetes/', 'kubernetes'],
    ['smart-dairy/k8s', 'smart-dairy/k8s'],
    ['auth/team/k8s/', 'team/k8s'],
  ];
  for (const [written, expected] of mountPaths) {
    test(`vaultKubernetesMountPath ${written} → ${expected}`, () => {
      assert.equal(parse({ vaultKubernetesMountPath: written }).auth.mountPath, expected);
    });
    test(`vaultAuthMountPath ${written} → ${expected}`, () => {
      assert.equal(parse({ vaultAuthMountPath: written }).auth.mountPath, expected);
    });
  }
  for (const bad of ['/', 'auth/', '/v1/auth/', 'a//b', 'a/../b', 'a b', 'a?b', 'a#b', 'a%2fb', 'a\\b']) {
    test(`mount path ${JSON.stringify(bad)} is rejected`, () => {
      expectError(() => parse({ vaultAuthMountPath: bad }), InvalidParameterError, /^parameter "vaultAuthMountPath"/);
    });
  }
  test('setting both mount path parameters is an error', () => {
    expectError(
      () => parse({ vaultKubernetesMountPath: 'kubernetes', vaultAuthMountPath: 'jwt' }),
      InvalidParameterError,
      /cannot be set together with vaultKubernetesMountPath/,
    );
  });

  test('vaultNamespace', () => {
    assert.equal(parse({ vaultNamespace: 'admin/team-a' }).connection.namespace, 'admin/team-a');
    assert.equal(parse().connection.namespace, undefined);
    expectError(
      () => parse({ vaultNamespace: 'a\r\nX-Evil: 1' }),
      InvalidParameterError,
      /^parameter "vaultNamespace"/,
    );
  });

  test('audience defaults to vault', () => {
    assert.equal(parse().auth.audience, 'vault');
    assert.equal(
      parse({ audience: 'vault', 'csi.storage.k8s.io/serviceAccount.tokens': tokensJson({ vault: TOKEN }) }).auth
        .audience,
      'vault',
    );
  });

  const goBools: [string, boolean][] = [
    ['1', true],
    ['t', true],
    ['T', true],
    ['TRUE', true],
    ['true', true],
    ['True', true],
    ['0', false],
    ['f', false],
    ['F', false],
    ['FALSE', false],
    ['false', false],
    ['False', false],
  ];
  for (const [text, expected] of goBools) {
    test(`vaultSkipTLSVerify ${text} → ${expected}`, () => {
      assert.equal(parse({ vaultSkipTLSVerify: text }).connection.tls.skipVerify, expected);
    });
  }
  for (const text of ['yes', 'on', 'tRuE', '2', ' true']) {
    test(`vaultSkipTLSVerify ${JSON.stringify(text)} is rejected`, () => {
      expectError(() => parse({ vaultSkipTLSVerify: text }), InvalidParameterError, /^parameter "vaultSkipTLSVerify"/);
    });
  }
  test('vaultSkipTLSVerify "false" cannot undo a process-level skip (Go semantics)', () => {
    const defaults = { ...DEFAULTS, tls: { skipVerify: true } };
    assert.equal(parse({ vaultSkipTLSVerify: 'false' }, {}, defaults).connection.tls.skipVerify, true);
  });

  test('TLS parameters from the SecretProviderClass', () => {
    const tls = parse({
      vaultCACertPath: '/vault/tls/ca.crt',
      vaultCADirectory: '/vault/tls/cas',
      vaultTLSServerName: 'vault.internal',
      vaultTLSClientCertPath: '/vault/tls/tls.crt',
      vaultTLSClientKeyPath: '/vault/tls/tls.key',
    }).connection.tls;
    assert.deepEqual(tls, {
      caCertPath: '/vault/tls/ca.crt',
      caDirectory: '/vault/tls/cas',
      serverName: 'vault.internal',
      clientCertPath: '/vault/tls/tls.crt',
      clientKeyPath: '/vault/tls/tls.key',
      skipVerify: false,
    });
  });
  for (const [set, missing] of [
    ['vaultTLSClientCertPath', 'vaultTLSClientKeyPath'],
    ['vaultTLSClientKeyPath', 'vaultTLSClientCertPath'],
  ] as const) {
    test(`${set} without ${missing} is an error naming the missing one`, () => {
      expectError(
        () => parse({ [set]: '/vault/tls/x' }),
        InvalidParameterError,
        new RegExp(`^parameter "${missing}": must be set together`),
      );
    });
  }
  for (const name of ['vaultCACertPath', 'vaultCADirectory', 'vaultTLSClientCertPath']) {
    test(`${name} must be absolute`, () => {
      const extra = name === 'vaultTLSClientCertPath' ? { vaultTLSClientKeyPath: '/k' } : {};
      expectError(
        () => parse({ [name]: 'ca.crt', ...extra }),
        InvalidParameterError,
        new RegExp(`^parameter "${name}": must be an absolute path`),
      );
    });
  }
});

describe('precedence: defaults (env < flags) < SecretProviderClass, field by field', () => {
  const defaults: ConnectionDefaults = {
    vaultAddress: 'unix:///var/run/vault/agent.sock',
    vaultNamespace: 'flag-ns',
    authMountPath: 'flag-mount',
    tls: {
      caCertPath: '/flag/ca.crt',
      serverName: 'flag.internal',
      clientCertPath: '/flag/tls.crt',
      clientKeyPath: '/flag/tls.key',
      skipVerify: false,
    },
  };

  test('defaults apply when the SPC sets nothing', () => {
    const spec = parse({}, {}, defaults);
    assert.deepEqual(spec.connection, {
      address: 'unix:///var/run/vault/agent.sock',
      namespace: 'flag-ns',
      tls: defaults.tls,
    });
    assert.equal(spec.auth.mountPath, 'flag-mount');
  });

  const overrides: [string, Record<string, string>, (spec: MountSpec) => unknown, unknown][] = [
    ['vaultAddress', { vaultAddress: 'https://spc:8200' }, (s) => s.connection.address, 'https://spc:8200'],
    ['vaultNamespace', { vaultNamespace: 'spc-ns' }, (s) => s.connection.namespace, 'spc-ns'],
    ['vaultAuthMountPath', { vaultAuthMountPath: 'spc-mount' }, (s) => s.auth.mountPath, 'spc-mount'],
    ['vaultTLSServerName', { vaultTLSServerName: 'spc.internal' }, (s) => s.connection.tls.serverName, 'spc.internal'],
    ['vaultSkipTLSVerify', { vaultSkipTLSVerify: 'true' }, (s) => s.connection.tls.skipVerify, true],
    [
      'client pair',
      { vaultTLSClientCertPath: '/spc/tls.crt', vaultTLSClientKeyPath: '/spc/tls.key' },
      (s) => [s.connection.tls.clientCertPath, s.connection.tls.clientKeyPath],
      ['/spc/tls.crt', '/spc/tls.key'],
    ],
    [
      'CA directory replaces the default CA pair',
      { vaultCADirectory: '/spc/cas' },
      (s) => [s.connection.tls.caCertPath, s.connection.tls.caDirectory],
      [undefined, '/spc/cas'],
    ],
  ];
  for (const [name, params, read, expected] of overrides) {
    test(`SPC ${name} wins, other fields keep their defaults`, () => {
      const spec = parse(params, {}, defaults);
      assert.deepEqual(read(spec), expected);
      if (!('vaultAddress' in params)) assert.equal(spec.connection.address, defaults.vaultAddress);
      if (!('vaultNamespace' in params)) assert.equal(spec.connection.namespace, 'flag-ns');
      if (!('vaultTLSServerName' in params)) assert.equal(spec.connection.tls.serverName, 'flag.internal');
    });
  }

  test('an empty SPC value counts as unset', () => {
    const spec = parse({ vaultAddress: '', vaultNamespace: '', vaultAuthMountPath: '' }, {}, defaults);
    assert.equal(spec.connection.address, defaults.vaultAddress);
    assert.equal(spec.connection.namespace, 'flag-ns');
    assert.equal(spec.auth.mountPath, 'flag-mount');
  });
});

describe('permission', () => {
  const good: [string, number][] = [
    ['420', 0o644],
    ['', 0o644],
    [' 420 ', 0o644],
    ['384', 0o600],
    ['511', 0o777],
    ['0', 0o644],
  ];
  for (const [text, mode] of good) {
    test(`${JSON.stringify(text)} → ${mode.toString(8)}`, () => {
      assert.equal(parseRequestPermission(text), mode);
      assert.equal(parse({}, { permission: text }).defaultFileMode, mode);
    });
  }
  for (const text of ['512', '-1', '0644', 'abc', '4.2e2', '420.5', '"420"', '99999999999999999999']) {
    test(`${JSON.stringify(text)} is rejected naming permission`, () => {
      expectError(() => parseRequestPermission(text), InvalidParameterError, /^parameter "permission"/);
    });
  }
});

describe('unknownParameters', () => {
  test('lists unknown keys with typo suggestions', () => {
    const map = parseAttributes(
      JSON.stringify({ rolename: 'x', vaultAdress: 'y', roleName: 'z', custom: 'c', 'csi.storage.k8s.io/foo': '1' }),
    );
    assert.deepEqual(unknownParameters(map), [
      { key: 'rolename', suggestion: 'roleName' },
      { key: 'vaultAdress', suggestion: 'vaultAddress' },
      { key: 'custom' },
      { key: 'csi.storage.k8s.io/foo' },
    ]);
  });
  test('every documented parameter is known', () => {
    for (const key of ['roleName', 'vaultAddress', 'objects', 'audience', 'vaultCAPem', 'secretProviderClass']) {
      assert.ok(KNOWN_PARAMETERS.includes(key), key);
    }
  });
});

describe('property: parseMountRequest returns or throws a ProviderError, never anything else', () => {
  const keys = fc.oneof(fc.constantFrom(...KNOWN_PARAMETERS), fc.string({ maxLength: 12 }));
  const values = fc.oneof(
    fc.string({ maxLength: 30 }),
    fc.constantFrom(
      '',
      'true',
      'https://vault:8200',
      'unix:///s',
      'auth/kubernetes',
      '../x',
      '{}',
      'null',
      tokensJson({ vault: TOKEN }),
    ),
  );
  const objectEntry = fc.dictionary(
    fc.oneof(fc.constantFrom(...OBJECT_FIELDS), fc.string({ maxLength: 8 })),
    fc.oneof(fc.jsonValue({ maxDepth: 2 }), fc.constantFrom('0600', 'secret/x', 'a/b', '..', 'GET', 'hex')),
    { maxKeys: 8 },
  );
  const objectsText = fc.oneof(
    fc.string({ maxLength: 60 }),
    fc.array(objectEntry, { maxLength: 4 }).map((entries) => YAML.stringify(entries)),
    fc.array(objectEntry, { maxLength: 4 }).map((entries) => JSON.stringify(entries)),
    fc.constantFrom(
      '- objectName: a\n  secretPath: s\n  filePermission: 0999',
      '- &a [*a]',
      '!!binary x',
      '- {objectName: a, secretPath: s, secretArgs: {x: .nan}}',
    ),
  );

  test('arbitrary attribute maps, objects, secrets and permission', () => {
    fc.assert(
      fc.property(
        fc.dictionary(keys, values, { maxKeys: 12 }),
        fc.option(objectsText, { nil: undefined }),
        fc.oneof(fc.constantFrom('null', '', '{}'), fc.string({ maxLength: 20 })),
        fc.oneof(fc.constantFrom('420', ''), fc.string({ maxLength: 6 })),
        fc.boolean(),
        (attributeMap, objects, secrets, permission, complete) => {
          const base = complete ? (JSON.parse(request().attributes) as Record<string, string>) : {};
          const merged = { ...base, ...attributeMap, ...(objects === undefined ? {} : { objects }) };
          try {
            parseMountRequest({ attributes: JSON.stringify(merged), secrets, targetPath: '/t', permission }, DEFAULTS);
          } catch (error) {
            assert.ok(error instanceof ProviderError, `unexpected ${String(error)}`);
            assert.ok(
              error instanceof InvalidParameterError || error instanceof MissingServiceAccountTokenError,
              error.name,
            );
            assert.ok(!error.message.includes(TOKEN));
          }
        },
      ),
      { numRuns: 1500 },
    );
  });

  test('arbitrary attributes strings', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.json()), (attributes) => {
        try {
          parseMountRequest({ attributes, secrets: 'null', targetPath: '', permission: '420' }, DEFAULTS);
        } catch (error) {
          assert.ok(error instanceof ProviderError, `unexpected ${String(error)}`);
        }
      }),
      { numRuns: 500 },
    );
  });
});
