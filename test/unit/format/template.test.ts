import test from 'ava';
import { TemplateError, goString, parseTemplate, renderRows, renderTemplate, sprintf, tabwrite } from '../../../src/format/template.js';

const data = {
  Id: 'sha256:abc',
  Name: 'web',
  Config: { Env: ['A=1', 'B=2'], Labels: { 'com.example.vendor': 'ACME', version: '1.0' }, Cmd: null, WorkingDir: '' },
  State: { Running: true, ExitCode: 0, Pid: 42 },
  Ports: [],
  Html: '<b>&</b>',
};

test('field paths, the dot and the root variable print as Go prints them', (t) => {
  t.is(renderTemplate('{{.Name}} {{.State.Pid}} {{.State.Running}}', data), 'web 42 true');
  t.is(renderTemplate('{{.Config.Env}}', data), '[A=1 B=2]');
  t.is(renderTemplate('{{.Config.Labels}}', data), 'map[com.example.vendor:ACME version:1.0]');
  t.is(renderTemplate('{{.Config.Cmd}}', data), '<nil>');
  t.is(renderTemplate('{{.Nope}} {{.Config.Nope}}', data), '<no value> <no value>');
  t.is(renderTemplate('{{with .State}}{{.Pid}} {{$.Name}}{{end}}', data), '42 web');
  t.is(renderTemplate('{{.}}', 'plain'), 'plain');
});

test('json, index, len, upper, lower, join, split, title, truncate, pad', (t) => {
  t.is(renderTemplate('{{json .Config.Env}}', data), '["A=1","B=2"]');
  t.is(renderTemplate('{{json .Html}}', data), '"\\u003cb\\u003e\\u0026\\u003c/b\\u003e"', 'HTML escaped as Go does');
  t.is(renderTemplate('{{json .Missing}}', data), 'null');
  t.is(renderTemplate('{{index .Config.Labels "com.example.vendor"}}', data), 'ACME');
  t.is(renderTemplate('{{index .Config.Env 1}}', data), 'B=2');
  t.is(renderTemplate('{{len .Config.Env}} {{len .Name}} {{len .Config.Labels}}', data), '2 3 2');
  t.is(renderTemplate('{{upper .Name}} {{lower "ABC"}} {{title "hello world"}}', data), 'WEB abc Hello World');
  t.is(renderTemplate('{{join .Config.Env ","}}', data), 'A=1,B=2');
  t.is(renderTemplate('{{split "a:b:c" ":"}}', data), '[a b c]');
  t.is(renderTemplate('{{truncate .Id 6}}|{{pad .Name 1 2}}|', data), 'sha256| web  |');
});

test('printf and pipelines', (t) => {
  t.is(renderTemplate('{{printf "%-6s|%5d|%q|%v" .Name .State.Pid .Name .State.Running}}', data), 'web   |   42|"web"|true');
  t.is(renderTemplate('{{.Config.Env | json}}', data), '["A=1","B=2"]');
  t.is(renderTemplate('{{.Name | printf "name=%s"}}', data), 'name=web');
  t.is(renderTemplate('{{(index .Config.Env 0) | upper}}', data), 'A=1');
  t.is(sprintf('%05d %x %%', [42, 255]), '00042 ff %');
  t.is(sprintf('%s', []), '%!s(MISSING)');
});

test('range over lists and maps (sorted keys), with variables and else', (t) => {
  t.is(renderTemplate('{{range .Config.Env}}[{{.}}]{{end}}', data), '[A=1][B=2]');
  t.is(renderTemplate('{{range $i, $e := .Config.Env}}{{$i}}={{$e}} {{end}}', data), '0=A=1 1=B=2 ');
  t.is(renderTemplate('{{range $k, $v := .Config.Labels}}{{$k}}:{{$v}};{{end}}', data), 'com.example.vendor:ACME;version:1.0;');
  t.is(renderTemplate('{{range .Ports}}x{{else}}none{{end}}', data), 'none');
  t.is(renderTemplate('{{range .Config.Env}}{{$.Name}}{{end}}', data), 'webweb');
});

test('if / else if / else, comparisons and logic', (t) => {
  const tpl = '{{if eq .State.ExitCode 1}}one{{else if .State.Running}}running{{else}}other{{end}}';
  t.is(renderTemplate(tpl, data), 'running');
  t.is(renderTemplate('{{if .Config.WorkingDir}}set{{else}}unset{{end}}', data), 'unset');
  t.is(renderTemplate('{{if and .State.Running (gt .State.Pid 10)}}yes{{end}}', data), 'yes');
  t.is(renderTemplate('{{if or .Ports .Name}}{{not .Ports}}{{end}}', data), 'true');
  t.is(renderTemplate('{{if ne .Name "db"}}not db{{end}}', data), 'not db');
  t.is(renderTemplate('{{$x := .Name}}{{$x}}-{{$x}}', data), 'web-web');
});

test('trim markers and comments', (t) => {
  t.is(renderTemplate('a  {{- .Name -}}  b{{/* ignored */}}', data), 'awebb');
  t.is(renderTemplate('{{range .Config.Env -}}\n  {{.}}\n{{- end}}', data), 'A=1B=2');
});

test('parse errors are one-line usage errors naming the problem', (t) => {
  t.throws(() => parseTemplate('{{.Name'), { instanceOf: TemplateError, message: 'template parsing error: template: :1: unclosed action' });
  t.throws(() => parseTemplate('{{nope .Name}}'), { instanceOf: TemplateError, message: 'template parsing error: template: :1: function "nope" not defined' });
  t.throws(() => parseTemplate('{{if .A}}x'), { instanceOf: TemplateError, message: 'template parsing error: template: :1: unexpected EOF' });
  t.throws(() => parseTemplate('{{end}}'), { instanceOf: TemplateError, message: 'template parsing error: template: :1: unexpected {{end}}' });
  t.throws(() => renderTemplate('{{.Name.Deeper}}', data), { instanceOf: TemplateError, message: /executing "" can't evaluate field Deeper in type string/ });
});

test('values print as Go prints them', (t) => {
  t.is(goString(undefined), '<no value>');
  t.is(goString(null), '<nil>');
  t.is(goString([1, 'a', null]), '[1 a <nil>]');
  t.is(goString({ b: 1, a: [true] }), 'map[a:[true] b:1]');
  t.is(goString(1.5), '1.5');
});

test('tabwrite aligns as docker (minwidth 10, padding 3) and leaves the last column alone', (t) => {
  t.is(tabwrite('REPOSITORY\tTAG\tIMAGE ID\nbusybox\tlatest\ta416a98b71e2'), 'REPOSITORY   TAG       IMAGE ID\nbusybox      latest    a416a98b71e2');
});

const spec = { defaultTable: '{{.Repository}}\t{{.Tag}}', headers: { Repository: 'REPOSITORY', Tag: 'TAG', ID: 'IMAGE ID' } };
const rows = [
  { Repository: 'busybox', Tag: 'latest', ID: 'a416a98b71e2' },
  { Repository: 'lab/debian-with-a-long-name', Tag: 'bookworm', ID: '0123456789ab' },
];

test('table formats print a header row from the column names, then aligned rows', (t) => {
  t.is(renderRows('table', rows, spec), 'REPOSITORY                    TAG\nbusybox                       latest\nlab/debian-with-a-long-name   bookworm\n');
  t.is(renderRows('table {{.ID}}\\t{{.Tag}}', rows, spec), 'IMAGE ID       TAG\na416a98b71e2   latest\n0123456789ab   bookworm\n', 'a literal \\t in the format is a tab, as in docker');
  t.is(renderRows('table {{.Other}}', rows, spec), 'OTHER\n<no value>\n<no value>\n', 'unknown fields get their name upper-cased as a header');
});

test('plain and json formats print one line per row', (t) => {
  t.is(renderRows('{{.Repository}}:{{.Tag}}', rows, spec), 'busybox:latest\nlab/debian-with-a-long-name:bookworm\n');
  t.is(renderRows('json', rows.slice(0, 1), spec), '{"Repository":"busybox","Tag":"latest","ID":"a416a98b71e2"}\n');
});
