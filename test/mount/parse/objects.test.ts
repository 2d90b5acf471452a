import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { InvalidParameterError } from '../../../src/errors.js';
import type { SecretObjectSpec } from '../../../src/mount/spec/mount-spec.js';
import { parseObjects, rawObjectFields } from '../../../src/mount/parse/objects.js';

/** One object entry with the given extra YAML lines (indented under the list item). */
function entry(...lines: string[]): string {
  return ['- objectName: app', '  secretPath: secret/data/app', ...lines.map((line) => `  ${line}`)].join('\n');
}

function only(text: string): SecretObjectSpec {
  const { objects } = parseObjects(text);
  assert.equal(objects.length, 1);
  const [object] = objects;
  assert.ok(object);
  return object;
}

function rejects(text: string | undefined, ...patterns: RegExp[]): string {
  let caught: unknown;
  try {
    parseObjects(text);
  } catch (error) {
    caught = error;
  }
  assert.ok(caught instanceof InvalidParameterError, `expected InvalidParameterError, got ${String(caught)}`);
  for (const pattern of patterns) assert.match(caught.message, pattern);
  return caught.message;
}

/** A spec without its fields as written, to compare the normalised values alone. */
function normalised(object: SecretObjectSpec): Partial<SecretObjectSpec> {
  return Object.fromEntries(Object.entries(object).filter(([field]) => field !== 'asWritten'));
}

describe('parseObjects: all fields', () => {
  test('a full entry, normalised, with the raw values kept for versions', () => {
    const text = [
      '- objectName: "tls/cert.pem"',
      '  secretPath: "pki/issue/example?ttl=1h"',
      '  secretKey: certificate',
      '  method: put',
      '  secretArgs:',
      '    common_name: app.example.com',
      '    alt_names: [a.example.com]',
      '  filePermission: 0640',
      '  encoding: Base64',
      '- objectName: whole',
      '  secretPath: secret/whole',
    ].join('\n');
    const { objects } = parseObjects(text);
    const raw = objects.map((object) => object.asWritten);
    assert.deepEqual(objects.map(normalised), [
      {
        objectName: 'tls/cert.pem',
        secretPath: 'pki/issue/example?ttl=1h',
        secretKey: 'certificate',
        method: 'PUT',
        secretArgs: { common_name: 'app.example.com', alt_names: ['a.example.com'] },
        filePermission: 0o640,
        encoding: 'base64',
      },
      { objectName: 'whole', secretPath: 'secret/whole', method: 'GET', encoding: 'utf-8' },
    ]);
    assert.deepEqual(raw, [
      {
        objectName: 'tls/cert.pem',
        secretPath: 'pki/issue/example?ttl=1h',
        secretKey: 'certificate',
        method: 'put',
        secretArgs: { common_name: 'app.example.com', alt_names: ['a.example.com'] },
        filePermission: 0o640,
        encoding: 'Base64',
      },
      {
        objectName: 'whole',
        secretPath: 'secret/whole',
        secretKey: '',
        method: '',
        secretArgs: null,
        filePermission: 0,
        encoding: '',
      },
    ]);
    assert.equal(rawObjectFields(objects[0]!), raw[0]);
    assert.equal(rawObjectFields({ ...objects[0]! }), raw[0], 'a copy of the spec carries its fields as written');
    assert.ok(Object.isFrozen(objects[0]));
  });

  test('a spec built by hand gets raw fields derived from its values', () => {
    const spec: SecretObjectSpec = {
      objectName: 'a',
      secretPath: 's',
      method: 'GET',
      encoding: 'utf-8',
      filePermission: 0o600,
    };
    assert.deepEqual(rawObjectFields(spec), {
      objectName: 'a',
      secretPath: 's',
      secretKey: '',
      method: 'GET',
      secretArgs: null,
      filePermission: 0o600,
      encoding: 'utf-8',
    });
  });

  test('JSON is YAML too (flow style)', () => {
    assert.equal(only('[{"objectName": "a", "secretPath": "s", "secretKey": "k"}]').secretKey, 'k');
  });

  test('string fields written as other scalars keep their text (as yaml.v3 decodes into a string)', () => {
    const object = only(['- objectName: 2024', '  secretPath: secret/x', '  secretKey: 1.10'].join('\n'));
    assert.equal(object.objectName, '2024');
    assert.equal(object.secretKey, '1.10');
    assert.equal(only(entry('secretKey: 0600')).secretKey, '0600');
    assert.equal(only(entry('secretKey: true')).secretKey, 'true');
    assert.equal(only(entry('secretKey: ~')).secretKey, undefined);
    assert.equal(only(entry('secretKey: ""')).secretKey, undefined);
  });

  for (const field of ['objectName', 'secretPath', 'secretKey', 'method', 'encoding']) {
    test(`${field} given as a mapping is an error naming the field`, () => {
      const text =
        field === 'objectName' || field === 'secretPath'
          ? entry().replace(new RegExp(`${field}: [^\\n]+`), `${field}: {a: 1}`)
          : entry(`${field}: {a: 1}`);
      rejects(text, new RegExp(`field "${field}" must be a string`));
    });
  }
});

describe('required fields and overall shape', () => {
  for (const text of [undefined, '', '   ', '# nothing\n', 'null', '~', '[]']) {
    test(`${JSON.stringify(text)} → no secrets configured`, () => {
      rejects(text, /^parameter "objects": no secrets configured/);
    });
  }
  test('objectName is required', () => {
    rejects('- secretPath: secret/x', /^objects\[0\]: field "objectName" is required/);
  });
  test('secretPath is required', () => {
    rejects('- objectName: a', /^object "a" \(objects\[0\]\): field "secretPath" is required/);
    rejects('- objectName: a\n  secretPath: ""', /field "secretPath" is required/);
  });
  test('the pre-0.1.0 array: form is rejected with a clear message', () => {
    const old = 'array:\n  - |\n    objectPath: "/foo"\n    objectName: "bar"\n    objectVersion: ""';
    rejects(old, /pre-0\.1\.0 "array:" format/);
  });
  test('a mapping or scalar instead of a list', () => {
    rejects('objectName: a\nsecretPath: s', /must be a YAML list of objects \(got a mapping\)/);
    rejects('just text', /must be a YAML list of objects \(got a string\)/);
  });
  test('an entry that is not a mapping', () => {
    rejects('- secret/x', /^objects\[0\]: must be a mapping .* \(got a string\)/);
    rejects(entry() + '\n- [a, b]', /^objects\[1\]: must be a mapping .* \(got a list\)/);
  });
  test('errors name the object by index and objectName', () => {
    rejects(
      entry() + '\n- objectName: db-pass\n  secretPath: s\n  method: FETCH',
      /^object "db-pass" \(objects\[1\]\): field "method"/,
    );
  });
});

describe('unknown fields', () => {
  const typos: [string, string | undefined][] = [
    ['secretkey', 'secretKey'],
    ['SecretKey', 'secretKey'],
    ['secretKeys', 'secretKey'],
    ['objectname', 'objectName'],
    ['secretpath', 'secretPath'],
    ['secretPth', 'secretPath'],
    ['filepermission', 'filePermission'],
    ['filePermissions', 'filePermission'],
    ['methods', 'method'],
    ['encodeing', 'encoding'],
    ['secretArg', 'secretArgs'],
    ['objectAlias', undefined],
    ['mode', undefined],
  ];
  for (const [field, suggestion] of typos) {
    test(`${field} → ${suggestion ?? 'no suggestion'}`, () => {
      const message = rejects(
        entry(`${field}: x`),
        new RegExp(`^object "app" \\(objects\\[0\\]\\): unknown field "${field}"`),
        /known fields: objectName, secretPath/,
      );
      if (suggestion === undefined) assert.ok(!message.includes('did you mean'), message);
      else assert.match(message, new RegExp(`did you mean "${suggestion}"\\?`));
    });
  }
  test('without an objectName the entry is named by index', () => {
    rejects(
      '- secretPath: s\n  objectname: a',
      /^objects\[0\]: unknown field "objectname"; did you mean "objectName"\?/,
    );
  });
  test('__proto__ is an unknown field, not a prototype', () => {
    rejects(entry('__proto__: {secretKey: x}'), /unknown field "__proto__"/);
  });
});

describe('method', () => {
  const cases: [string | undefined, string][] = [
    [undefined, 'GET'],
    ['""', 'GET'],
    ['get', 'GET'],
    ['Post', 'POST'],
    ['PUT', 'PUT'],
    ['list', 'LIST'],
  ];
  for (const [written, expected] of cases) {
    test(`${written ?? '(absent)'} → ${expected}`, () => {
      assert.equal(only(written === undefined ? entry() : entry(`method: ${written}`)).method, expected);
    });
  }
  for (const written of ['FETCH', 'OPTIONS', '"GET /"', 'CONNECT']) {
    test(`${written} is rejected`, () => {
      rejects(entry(`method: ${written}`), /field "method" .* is not supported; use one of GET, PUT, POST, LIST$/);
    });
  }
  // Real methods whose answer cannot be mounted: refused before anything is sent, with the reason
  // (HEAD used to reach Vault, get 403 and be reported as a missing "update" grant).
  for (const [written, reason] of [
    ['HEAD', /no body, so there is nothing to mount/],
    ['head', /no body/],
    ['PATCH', /merge-patch body \(it answers 415/],
    ['DELETE', /deletes the secret/],
  ] as const) {
    test(`${written} is refused at parse time with the reason`, () => {
      rejects(entry(`method: ${written}`), new RegExp(`field "method" "${written}" cannot be used: `));
      rejects(entry(`method: ${written}`), reason);
      rejects(entry(`method: ${written}`), /use GET to read, PUT or POST for endpoints that issue/);
    });
  }
});

describe('encoding', () => {
  const cases: [string | undefined, string][] = [
    [undefined, 'utf-8'],
    ['utf-8', 'utf-8'],
    ['UTF-8', 'utf-8'],
    ['base64', 'base64'],
    ['Base64', 'base64'],
    ['HEX', 'hex'],
    ['""', 'utf-8'],
  ];
  for (const [written, expected] of cases) {
    test(`${written ?? '(absent)'} → ${expected}`, () => {
      assert.equal(only(written === undefined ? entry() : entry(`encoding: ${written}`)).encoding, expected);
    });
  }
  test('utf8 suggests utf-8', () => {
    rejects(entry('encoding: utf8'), /field "encoding" "utf8" is not supported; did you mean "utf-8"\?/);
  });
  test('base32 is rejected', () => {
    rejects(entry('encoding: base32'), /use utf-8, base64 or hex/);
  });
});

describe('filePermission', () => {
  const good: [string, number | undefined, number][] = [
    ['0600', 0o600, 0o600],
    ['0644', 0o644, 0o644],
    ['0o644', 0o644, 0o644],
    ['420', 420, 420],
    ['"0600"', 0o600, 0o600],
    ["'0640'", 0o640, 0o640],
    ['"420"', 420, 420],
    ['"0o600"', 0o600, 0o600],
    ['0x1a4', 0o644, 0o644],
    ['0777', 0o777, 0o777],
    ['0', undefined, 0],
    ['00', undefined, 0],
    ['~', undefined, 0],
    ['6.0', 6, 6],
  ];
  for (const [written, mode, raw] of good) {
    test(`${written} → ${mode === undefined ? 'default' : `0${mode.toString(8)}`}`, () => {
      const { objects } = parseObjects(entry(`filePermission: ${written}`));
      assert.equal(objects[0]?.filePermission, mode);
      assert.equal(objects[0]?.asWritten?.filePermission, raw);
    });
  }
  test('absent → default, raw 0', () => {
    const { objects } = parseObjects(entry());
    assert.equal(objects[0]?.filePermission, undefined);
    assert.equal(objects[0]?.asWritten?.filePermission, 0);
  });
  const bad: [string, RegExp?][] = [
    ['0999', /8 and 9 are not octal digits/],
    ['"0999"', /8 and 9 are not octal digits/],
    ['1000'],
    ['0o1000'],
    ['512'],
    ['-1'],
    ['0.5'],
    ['1e3'],
    ['"rw-r--r--"'],
    ['"-0600"'],
    ['true', /must be an octal file mode/],
    ['[384]', /must be an octal file mode/],
    ['.inf', /must be an octal file mode/],
  ];
  for (const [written, extra] of bad) {
    test(`${written} is rejected`, () => {
      rejects(
        entry(`filePermission: ${written}`),
        /^object "app" \(objects\[0\]\): field "filePermission"/,
        ...(extra ? [extra] : [/write an octal mode/]),
      );
    });
  }
});

describe('secretArgs', () => {
  test('a mapping becomes the request body', () => {
    const object = only(
      entry('method: POST', 'secretArgs:', '  common_name: a.example.com', '  ttl: 24h', '  nested: {b: [1, 2]}'),
    );
    assert.deepEqual(object.secretArgs, { common_name: 'a.example.com', ttl: '24h', nested: { b: [1, 2] } });
  });
  test('leading-zero integers inside are octal, as yaml.v3 sends them', () => {
    assert.deepEqual(only(entry('secretArgs: {mode: 0600, plain: 600}')).secretArgs, { mode: 0o600, plain: 600 });
  });
  test('an empty mapping is kept (Go sends {}), null is absent', () => {
    assert.deepEqual(only(entry('secretArgs: {}')).secretArgs, {});
    assert.equal(only(entry('secretArgs:')).secretArgs, undefined);
  });
  for (const written of ['[a, b]', 'common_name=x', '42']) {
    test(`${written} is rejected`, () => {
      rejects(entry(`secretArgs: ${written}`), /field "secretArgs" must be a mapping/);
    });
  }
  test('.nan and .inf are rejected (JSON cannot carry them)', () => {
    rejects(entry('secretArgs: {x: .nan}'), /field "secretArgs" contains \.inf or \.nan/);
    rejects(entry('secretArgs: {x: [-.inf]}'), /field "secretArgs"/);
  });
  test('values never appear in error messages', () => {
    const message = rejects(entry('secretArgs: {password: hunter2}', 'secretkey: x'), /unknown field/);
    assert.ok(!message.includes('hunter2'));
    const yamlMessage = rejects(entry('secretArgs: {password: "hunter2"'), /is not valid YAML/);
    assert.ok(!yamlMessage.includes('hunter2'));
  });
});

describe('YAML safety and strictness', () => {
  test('duplicate keys are rejected', () => {
    rejects(
      '- objectName: a\n  objectName: b\n  secretPath: s',
      /is not valid YAML \(line 2, column 3: Map keys must be unique\)/,
    );
  });
  test('an alias bomb is rejected', () => {
    const bomb = [
      'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]',
      'b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]',
      'c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]',
      'd: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]',
      'e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]',
    ].join('\n');
    rejects(bomb, /expands too many YAML aliases/);
    rejects(
      `- objectName: a\n  secretPath: s\n  secretArgs:\n    ${bomb.replace(/\n/g, '\n    ')}`,
      /expands too many YAML aliases/,
    );
  });
  test('a self-referencing alias is rejected', () => {
    rejects('- &a [*a]', /objects/);
  });
  test('syntax errors give a position', () => {
    rejects('- objectName: a\n  secretPath: [s', /is not valid YAML \(line \d+, column \d+: /);
  });
  test('unknown tags are rejected (a warning is an error)', () => {
    rejects(entry('secretKey: !vault k'), /is not valid YAML/);
  });
  test('anchors and merge keys work as in yaml.v3', () => {
    const { objects } = parseObjects(
      [
        '- &base',
        '  objectName: user',
        '  secretPath: database/creds/app',
        '  secretKey: username',
        '- <<: *base',
        '  objectName: pass',
        '  secretKey: password',
      ].join('\n'),
    );
    assert.deepEqual(
      objects.map((object) => [object.objectName, object.secretPath, object.secretKey]),
      [
        ['user', 'database/creds/app', 'username'],
        ['pass', 'database/creds/app', 'password'],
      ],
    );
  });
});

describe('paths across objects', () => {
  test('duplicates are listed with their indexes', () => {
    const text = ['a', 'b', 'a', 'c', 'b'].map((name) => `- objectName: ${name}\n  secretPath: s`).join('\n');
    rejects(text, /duplicate objectName "a" \(objects\[0\], objects\[2\]\), "b" \(objects\[1\], objects\[4\]\)/);
  });
  test('an invalid objectName names the object', () => {
    rejects(
      '- objectName: ../etc/passwd\n  secretPath: s',
      /^object "\.\.\/etc\/passwd" \(objects\[0\]\): objectName must not contain a "\.\." element/,
    );
  });
  test('an invalid secretPath names the object', () => {
    rejects(
      '- objectName: a\n  secretPath: secret/../sys/raw',
      /^object "a" \(objects\[0\]\): secretPath must not contain "\." or "\.\." segments/,
    );
  });
});
