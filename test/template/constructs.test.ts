import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { KV, render } from './helpers.js';

// [name, template, expected output]. Expected strings follow Go text/template with
// consul-template's missingkey=zero option; comments mark deliberate differences.
const cases: [string, string, string][] = [
  ['plain text', 'hello\n', 'hello\n'],
  ['trim both sides', 'a  {{- "b" -}}  c', 'abc'],
  ['trim newlines', 'a\n\n{{- 1 }}\n', 'a1\n'],
  ['-3 is a number, not a trim marker', '{{-3}}', '-3'],
  ['right trim only', '{{ 3 -}} \n x', '3x'],
  ['comment', 'a{{/* c */}}b', 'ab'],
  ['trimmed multi-line comment', 'a {{- /* one\ntwo */ -}} b', 'ab'],
  ['newlines inside an action', '{{ print\n  "a"\n  "b" }}', 'ab'],
  ['field', `${KV}{{ $d.b }}`, 'two'],
  ['missing key prints <no value>', `${KV}{{ $d.missing }}`, '<no value>'],
  ['JSON null prints <no value>', `${KV}{{ $d.nul }}`, '<no value>'],
  ['missing key as a function argument is nil', `${KV}{{ print $d.missing }}`, '<nil>'],
  [
    'map printing, sorted keys',
    `${KV}{{ $d.nested }} {{ parseJSON "{\\"b\\":2,\\"a\\":[1,2]}" }}`,
    'map[k:v] map[a:[1 2] b:2]',
  ],
  ['slice printing', `${KV}{{ $d.list }}`, '[x y z]'],
  ['numbers and bools', `${KV}{{ $d.num }} {{ $d.float }} {{ $d.flag }} {{ $d.big }}`, '42 2.5 true 1000000'],
  ['root dot is no value', '{{ . }}|{{ .Foo }}', '<no value>|<no value>'],
  [
    'if / else if / else',
    `${KV}{{ if $d.empty }}A{{ else if $d.zero }}B{{ else if $d.flag }}C{{ else }}D{{ end }}`,
    'C',
  ],
  ['if false else', '{{ if 0 }}A{{ else }}B{{ end }}', 'B'],
  [
    'truthiness of empty list and map',
    '{{ if split "," "" }}A{{ else }}B{{ end }}{{ if parseJSON "{}" }}A{{ else }}B{{ end }}',
    'BB',
  ],
  ['with / else', `${KV}{{ with $d.missing }}A{{ else }}B{{ end }}{{ with $d.nested }}{{ .k }}{{ end }}`, 'Bv'],
  ['else with', `${KV}{{ with $d.missing }}A{{ else with $d.b }}{{ . }}{{ end }}`, 'two'],
  ['range over a list', `${KV}{{ range $d.list }}[{{ . }}]{{ end }}`, '[x][y][z]'],
  ['range with index and element', `${KV}{{ range $i, $v := $d.list }}{{ $i }}={{ $v }} {{ end }}`, '0=x 1=y 2=z '],
  ['range with one variable gets the element', `${KV}{{ range $v := $d.list }}{{ $v }}{{ end }}`, 'xyz'],
  [
    'range over a map in byte order',
    '{{ range $k, $v := parseJSON "{\\"b\\":2,\\"a\\":1,\\"10\\":3,\\"9\\":4}" }}{{ $k }}={{ $v }};{{ end }}',
    '10=3;9=4;a=1;b=2;',
  ],
  ['range else on missing', `${KV}{{ range $d.missing }}x{{ else }}empty{{ end }}`, 'empty'],
  ['range else on empty list', '{{ range split "," "" }}x{{ else }}none{{ end }}', 'none'],
  [
    'break and continue',
    '{{ range split "," "a,b,c,d" }}{{ if eq . "b" }}{{ continue }}{{ end }}{{ if eq . "d" }}{{ break }}{{ end }}{{ . }}{{ end }}',
    'ac',
  ],
  [
    'break inside nested if and with',
    '{{ range 5 }}{{ with . }}{{ if eq . 2 }}{{ break }}{{ end }}{{ end }}{{ . }}{{ end }}',
    '01',
  ],
  ['range over an integer', '{{ range 3 }}{{ . }}{{ end }}', '012'],
  ['variable assignment reaches the outer scope', '{{ $x := "a" }}{{ if true }}{{ $x = "b" }}{{ end }}{{ $x }}', 'b'],
  ['declaration shadows inside a block', '{{ $x := "a" }}{{ if true }}{{ $x := "b" }}{{ $x }}{{ end }}{{ $x }}', 'ba'],
  ['if-declared variable is visible in else', '{{ if $x := "" }}A{{ else }}[{{ $x }}]{{ end }}', '[]'],
  ['$ inside with', '{{ with "x" }}{{ $ }}{{ . }}{{ end }}', '<no value>x'],
  ['range variables per iteration', '{{ range $i, $e := split "," "a,b" }}{{ $n := $i }}{{ $n }}{{ end }}', '01'],
  ['pipeline passes the value last', '{{ "abc" | printf "%s-%s" "x" }}', 'x-abc'],
  ['parenthesized pipeline with fields', '{{ (secret "k8s/data/myapp/prod").Data.data.b }}', 'two'],
  ['fields on a function result', '{{ (parseJSON "{\\"a\\":{\\"b\\":1}}").a.b }}', '1'],
  ['variable field chain', '{{ $s := secret "k8s/data/myapp/prod" }}{{ $s.Data.metadata.version }}', '3'],
  [
    'define and template',
    '{{ define "x" }}[{{ . }}]{{ end }}{{ template "x" "hi" }}{{ template "x" }}',
    '[hi][<no value>]',
  ],
  ['template sees only its own $', '{{ define "x" }}{{ $ }}{{ end }}{{ $y := 1 }}{{ template "x" 5 }}', '5'],
  ['block', '{{ block "b" "v" }}<{{ . }}>{{ end }}', '<v>'],
  ['define after use', '{{ template "later" }}{{ define "later" }}ok{{ end }}', 'ok'],
  ['and / or return values', '{{ and 1 0 2 }} {{ or 0 "" "z" }} [{{ or 0 "" }}] {{ and 1 2 }}', '0 z [] 2'],
  ['and / or short-circuit', '{{ and false (index nil 1) }} {{ or true (index nil 1) }}', 'false true'],
  ['piped and', '{{ 0 | and 1 }} {{ 2 | and 1 }}', '0 2'],
  ['not', '{{ not "" }} {{ not 1 }}', 'true false'],
  ['eq with several values', '{{ eq 2 1 2 }} {{ eq "a" "b" }} {{ ne 1 2 }}', 'true false true'],
  // Difference: Go keeps int and float64 apart; consul-template numbers are json.Number text.
  [
    'eq number and its text',
    '{{ with secret "k8s/data/myapp/prod" }}{{ eq .Data.metadata.version "3" }} {{ eq .Data.metadata.version 3 }}{{ end }}',
    'true true',
  ],
  ['eq with nil', `${KV}{{ eq $d.missing nil }} {{ eq $d.b nil }}`, 'true false'],
  [
    'ordering',
    '{{ lt 1 2 }} {{ le 2 2 }} {{ gt "b" "a" }} {{ ge 1.5 2 }} {{ lt "a" "é" }}',
    'true true true false true',
  ],
  [
    'len counts UTF-8 bytes like Go',
    '{{ len "héllo" }} {{ len (split "," "a,b") }} {{ len (parseJSON "{\\"a\\":1}") }}',
    '6 2 1',
  ],
  [
    'index',
    `${KV}{{ index $d.list 1 }} {{ index $d "b" }} {{ index $d "nope" }} {{ index "abc" 0 }} {{ index $d "nested" "k" }}`,
    'y two <no value> 97 v',
  ],
  ['print spacing', '{{ print "a" 1 2 "b" }}|{{ println "a" 1 }}|', 'a1 2b|a 1\n|'],
  ['urlquery', '{{ urlquery "a b&c/é~" }}', 'a+b%26c%2F%C3%A9~'],
  ['string escapes', '{{ "a\\tb\\x41\\u00e9\\101\\xc3\\xa9" }}', 'a\tbAéAé'],
  ['raw string', '{{ `a\\n{{` }}', 'a\\n{{'],
  ['rune constants', "{{ 'a' }} {{ '\\n' }} {{ '\\'' }} {{ 'é' }}", '97 10 39 233'],
  [
    'number literals',
    '{{ 0x1F }} {{ 0o17 }} {{ 017 }} {{ 0b101 }} {{ 1_000 }} {{ -2 }} {{ +3 }} {{ 1.5 }} {{ .5 }} {{ 1e3 }}',
    '31 15 15 5 1000 -2 3 1.5 0.5 1000',
  ],
  ['bool and nil literals', '{{ true }} {{ print nil }}', 'true <nil>'],
  [
    'secret envelope fields',
    '{{ with secret "database/creds/app" }}{{ .LeaseID }} {{ .LeaseDuration }} {{ .Renewable }} {{ .RequestID }} {{ .Warnings }} {{ .Auth }}{{ end }}',
    'database/creds/app/L1 3600 true req-1 [] <no value>',
  ],
  ['KV v2 metadata', '{{ with secret "k8s/data/myapp/prod" }}v{{ .Data.metadata.version }}{{ end }}', 'v3'],
  [
    'secret with key=value args',
    '{{ with secret "pki/issue/web" "common_name=a.example.com" "ttl=1h" }}{{ .Data.cn }}{{ end }}',
    'a.example.com',
  ],
  [
    'map key named like a prototype member is missing',
    `${KV}{{ $d.constructor }} {{ $d.__proto__ }} {{ $d.toString }} {{ index $d "hasOwnProperty" }}`,
    '<no value> <no value> <no value> <no value>',
  ],
];

describe('template constructs', () => {
  for (const [name, source, expected] of cases) {
    test(name, () => {
      assert.equal(render(source).output, expected);
    });
  }

  test('each distinct secret is read once per execution', () => {
    const { output, reads } = render(
      '{{ with secret "database/creds/app" }}{{ .Data.username }}{{ end }}:{{ with secret "database/creds/app" }}{{ .Data.username }}{{ end }}{{ range 3 }}{{ (secret "k8s/data/myapp/prod").Data.data.b }}{{ end }}',
    );
    assert.equal(output, 'v-k8s-app-x1:v-k8s-app-x1twotwotwo');
    assert.deepEqual(
      reads.map((read) => read.path),
      ['database/creds/app', 'k8s/data/myapp/prod'],
    );
  });
});
