import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { SUPPORTED_FUNCTIONS } from '../../src/template/index.js';
import { render, templateError } from './helpers.js';

const cases: [string, string, string][] = [
  [
    'toJSON sorts keys and escapes HTML like Go',
    '{{ parseJSON "{\\"b\\":[1,\\"<x&y>\\"],\\"a\\":null}" | toJSON }}',
    '{"a":null,"b":[1,"\\u003cx\\u0026y\\u003e"]}',
  ],
  [
    'toJSONPretty',
    '{{ parseJSON "{\\"b\\":[1,{}],\\"a\\":{}}" | toJSONPretty }}',
    '{\n  "a": {},\n  "b": [\n    1,\n    {}\n  ]\n}',
  ],
  [
    'toJSON of a secret uses Go field names',
    '{{ secret "database/creds/app" | toJSON }}',
    '{"RequestID":"req-1","LeaseID":"database/creds/app/L1","LeaseDuration":3600,"Renewable":true,"Data":{"password":"S3CR3T-VALUE","username":"v-k8s-app-x1"},"Warnings":[],"Auth":null,"WrapInfo":null}',
  ],
  [
    'toJSON of .Data.data',
    '{{ with secret "k8s/data/myapp/prod" }}{{ .Data.data.nested | toJSON }}{{ end }}',
    '{"k":"v"}',
  ],
  [
    'toYAML sorts keys bytewise and quotes YAML 1.1 booleans',
    '{{ parseJSON "{\\"b\\":[1,\\"on\\"],\\"a\\":\\"x\\",\\"10\\":1,\\"9\\":{\\"c\\":\\"l1\\\\nl2\\"}}" | toYAML }}',
    '"10": 1\n"9":\n  c: |-\n    l1\n    l2\na: x\nb:\n- 1\n- "on"',
  ],
  ['base64Encode', '{{ base64Encode "héllo" }}', 'aMOpbGxv'],
  ['base64Decode', '{{ base64Decode "aMOpbGxv" }}', 'héllo'],
  ['base64URLEncode keeps padding', '{{ base64URLEncode "?>?" }} {{ base64URLEncode "a" }}', 'Pz4_ YQ=='],
  ['base64URLDecode', '{{ base64URLDecode "Pz4_" }}', '?>?'],
  ['base64Decode ignores line breaks', '{{ base64Decode "aMOp\\nbGxv" }}', 'héllo'],
  ['trimSpace', '{{ trimSpace "  a b \\n\\t" }}', 'a b'],
  ['trim', '{{ trim "xy" "xyaxby" }}', 'axb'],
  ['trimPrefix / trimSuffix', '{{ trimPrefix "pre" "prefix" }} {{ "prefix" | trimSuffix "fix" }}', 'fix pre'],
  ['toLower / toUpper', '{{ toLower "AbC" }} {{ toUpper "AbC" }}', 'abc ABC'],
  ['replaceAll', '{{ replaceAll "a" "b" "banana" }} {{ replaceAll "" "-" "aé" }}', 'bbnbnb -a-é-'],
  ['split trims first', '{{ split "," " a,b \\n" }} {{ len (split "," "   ") }}', '[a b] 0'],
  [
    'join accepts JSON lists',
    '{{ split "," "a,b" | join "+" }} {{ parseJSON "[1,\\"x\\",true]" | join "," }}',
    'a+b 1,x,true',
  ],
  [
    'contains (needle first)',
    '{{ contains "ell" "hello" }} {{ split "," "a,b" | contains "b" }} {{ contains "z" "hello" }}',
    'true true false',
  ],
  [
    'hasPrefix / hasSuffix',
    '{{ hasPrefix "he" "hello" }} {{ "hello" | hasSuffix "lo" }} {{ hasPrefix "x" "hello" }}',
    'true true false',
  ],
  ['keys are sorted', '{{ parseJSON "{\\"b\\":1,\\"a\\":2}" | keys }}', '[a b]'],
  ['parseJSON of empty string is an empty map', '{{ parseJSON "" }}', 'map[]'],
  ['sha256Hex', '{{ sha256Hex "abc" }}', 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad'],
  ['indent skips empty lines', '{{ indent 2 "a\\n\\nb\\n" }}', '  a\n\n  b\n'],
  [
    'numbers are accepted where strings are expected',
    `{{ with secret "k8s/data/myapp/prod" }}{{ .Data.metadata.version | printf "%s" }}{{ end }}`,
    '3',
  ],
];

// Expected strings are what Go's fmt.Sprintf prints for the same verbs and values, except where
// marked (numbers are one kind here).
const printfCases: [string, string, string][] = [
  ['%s %v %d %t %%', '{{ printf "%s %v %d %t %%" "a" "b" 42 true }}', 'a b 42 true %'],
  [
    'width and flags',
    '{{ printf "[%5s][%-5s][%05d][%+d][% d][%x][%X][%#x][%o][%b]" "ab" "ab" 42 42 42 255 255 255 8 5 }}',
    '[   ab][ab   ][00042][+42][ 42][ff][FF][0xff][10][101]',
  ],
  ['precision', '{{ printf "%.2s|%.3d|%5.2f|%.0f" "abcdef" 7 3.14159 2.5 }}', 'ab|007| 3.14|2'],
  [
    'floats',
    '{{ printf "%f %e %g %g %g %G %.3g" 1.5 1234.5678 1e6 123456.0 0.00001 1e-7 1234.5678 }}',
    '1.500000 1.234568e+03 1e+06 123456 1e-05 1E-07 1.23e+03',
  ],
  ['%q', '{{ printf "%q %q %+q %#q %q" "a\\"b\\n" "é" "é" "raw" 97 }}', '"a\\"b\\n" "é" "\\u00e9" `raw` \'a\''],
  ['%x of a string and %c %U', '{{ printf "%x % x %c %U" "hi" "hi" 233 233 }}', '6869 68 69 é U+00E9'],
  ['%v of composites', '{{ printf "%v|%d" (split "," "a,b") (parseJSON "[1,2]") }}', '[a b]|[1 2]'],
  ['%v of nil', '{{ printf "%v %s" nil nil }}', '<nil> %!s(<nil>)'],
  ['wrong verb', '{{ printf "%d %t %z" "x" 1 true }}', '%!d(string=x) %!t(int=1) %!z(bool=true)'],
  [
    'missing and extra arguments',
    '{{ printf "%s %s" "a" }}|{{ printf "%s" "a" 1 "b" }}',
    'a %!s(MISSING)|a%!(EXTRA int=1, string=b)',
  ],
  ['star width', '{{ printf "%*d|%-*d|" 4 7 3 7 }}', '   7|7  |'],
  // Difference: Go would print %!f(int=3) and %!s(int=3).
  ['float verbs accept integers', '{{ printf "%.1f %s" 3 3 }}', '3.0 3'],
];

describe('functions', () => {
  for (const [name, source, expected] of [...cases, ...printfCases]) {
    test(name, () => {
      assert.equal(render(source).output, expected);
    });
  }

  test('SUPPORTED_FUNCTIONS lists every callable function, sorted', () => {
    assert.deepEqual([...SUPPORTED_FUNCTIONS], [...SUPPORTED_FUNCTIONS].sort());
    for (const name of ['secret', 'printf', 'toJSON', 'toYAML', 'base64Decode', 'keys', 'indent'])
      assert.ok(SUPPORTED_FUNCTIONS.includes(name), name);
    for (const name of ['env', 'file', 'html', 'js', 'call']) assert.ok(!SUPPORTED_FUNCTIONS.includes(name), name);
  });

  const failures: [string, string, string][] = [
    [
      'invalid base64',
      '{{ base64Decode "abc" }}',
      'template line 1, column 4: error calling base64Decode: base64Decode: illegal base64 data',
    ],
    [
      'indent below zero',
      '{{ indent -1 "a" }}',
      'template line 1, column 4: error calling indent: indent value must be a positive integer',
    ],
    [
      'index out of range',
      '{{ index (split "," "a") 3 }}',
      'template line 1, column 4: error calling index: index out of range',
    ],
    ['index of nil', '{{ index nil 1 }}', 'template line 1, column 4: error calling index: index of untyped nil'],
    [
      'index a list with a string',
      '{{ index (split "," "a") "x" }}',
      'template line 1, column 4: error calling index: cannot index slice/array with type string',
    ],
    ['len of a number', '{{ len 3 }}', 'template line 1, column 4: error calling len: len of type int'],
    [
      'comparing a bool with a number',
      '{{ eq true 1 }}',
      'template line 1, column 4: error calling eq: incompatible types for comparison',
    ],
    [
      'ordering bools',
      '{{ lt true false }}',
      'template line 1, column 4: error calling lt: invalid type for comparison',
    ],
    [
      'comparing lists',
      '{{ eq (split "," "a") (split "," "a") }}',
      'template line 1, column 4: error calling eq: non-comparable type []interface {}',
    ],
    [
      'string function given a map',
      '{{ toUpper (parseJSON "{}") }}',
      'template line 1, column 4: error calling toUpper: wrong type for value; expected string; got map[string]interface {}',
    ],
    [
      'string function given nil',
      '{{ toUpper nil }}',
      'template line 1, column 4: error calling toUpper: invalid value; expected string',
    ],
    [
      'keys of a list',
      '{{ keys (split "," "a") }}',
      'template line 1, column 4: error calling keys: keys expects a map',
    ],
  ];
  for (const [name, source, message] of failures) {
    test(`error: ${name}`, () => {
      const error = templateError(source);
      assert.equal(error.message, message);
      assert.equal(error.kind, 'exec');
    });
  }
});
