// Specification of the help screens: generated from the tables, docker's layout.
import test from 'ava';
import { commandHelp, formatOptionLines, globalHelp } from '../../../src/cli/help.js';
import { commandTable, findCommand } from '../../../src/cli/command-table.js';
import { runOptions } from '../../../src/cli/run-options.js';

const runHelp = commandHelp(findCommand('run')!);

test('run help starts with the usage line and the one-line description', (t) => {
  t.true(runHelp.startsWith('Usage:  sandbox run [OPTIONS] IMAGE [COMMAND] [ARG...]\n\nCreate and run a new container from an image\n\nOptions:\n'));
});

test('run help lists every option of the table, one line each, in table order', (t) => {
  const lines = runHelp.split('\n').filter((l) => /^ {2}(-\w, | {4})--/.test(l));
  t.is(lines.length, runOptions.length);
  lines.forEach((line, i) => t.regex(line, new RegExp(`--${runOptions[i]!.long}\\b`)));
});

test('run help shows shorthands and value placeholders as docker does', (t) => {
  t.regex(runHelp, /^ {2}-e, --env list {3,}Set environment variables$/m);
  t.regex(runHelp, /^ {6}--gpus gpu-request {3,}GPU devices to add to the container \('all' to pass all GPUs\)$/m);
  t.regex(runHelp, /^ {6}--add-host list {3,}Add a custom host-to-IP mapping \(host:ip\)$/m);
  t.regex(runHelp, /^ {2}-h, --hostname string {3,}Container host name/m);
  t.regex(runHelp, /^ {2}-m, --memory bytes {3,}Memory limit/m);
});

test('options not built yet are marked; built ones are not', (t) => {
  t.regex(runHelp, /^ {6}--rm {3,}Automatically remove the container and its associated anonymous volumes when it exits$/m);
  t.regex(runHelp, /^ {6}--help {3,}Print usage$/m);
  t.regex(runHelp, /^ {6}--gpus gpu-request {3,}GPU devices to add to the container \('all' to pass all GPUs\)$/m);
  // Whichever option is still planned (the table changes as options are built).
  for (const o of runOptions.filter((r) => (r.status as string) === 'planned')) t.regex(runHelp, new RegExp(`--${o.long} .*\\(not supported yet\\)$`, 'm'));
});

test('defaults are shown as docker shows them', (t) => {
  t.regex(runHelp, /--sig-proxy {3,}Proxy received signals to the process \(default true\)/);
  t.regex(runHelp, /--pull string {3,}Pull image before running \("always", "missing", "never"\) \(default "missing"\)/);
  t.regex(runHelp, /--memory-swappiness int {3,}Tune container memory swappiness \(0 to 100\) \(default -1\)/);
});

test('hidden aliases are not listed', (t) => {
  t.notRegex(runHelp, /--net\b(?!work)/);
  t.notRegex(runHelp, /--dns-opt\b/);
});

test('descriptions start in one column', (t) => {
  const lines = formatOptionLines(runOptions);
  // The description starts after the first run of three or more spaces that follows the names.
  const column = (line: string) => line.match(/^\s*\S.*? {3,}(?=\S)/)![0].length;
  t.true(lines.every((l) => column(l) === column(lines[0]!)));
});

test('sandbox --help lists every command of the table with its one-line summary, and the global options', (t) => {
  const lines = globalHelp().split('\n');
  t.deepEqual(lines.slice(0, 5), ['Usage:  sandbox [OPTIONS] COMMAND', '', 'A rootless, daemonless container runner: docker run for unprivileged users', '', 'Commands:']);
  // One aligned line per command, in the table's order: the table is the single source.
  const commandLines = lines.slice(5, lines.indexOf('', 5));
  t.is(commandLines.length, commandTable.length);
  commandTable.forEach((c, i) => t.regex(commandLines[i]!, new RegExp(`^  ${c.name} +${c.summary.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`)));
  t.deepEqual(lines.slice(-8), [
    'Global Options:',
    '  -D, --debug              Enable debug mode (same as --log-level debug)',
    '  -h, --help               Print usage',
    '  -l, --log-level string   Set the logging level ("debug"|"info"|"warn"|"error") (default "info")',
    '  -v, --version            Print version information and quit',
    '',
    "Run 'sandbox COMMAND --help' for more information on a command.",
    '',
  ]);
});

test('commands not built yet are not listed', (t) => {
  for (const name of ['build', 'commit', 'cp']) t.notRegex(globalHelp(), new RegExp(`^ {2}${name}\\b`, 'm'));
});

test('load help comes from its own table', (t) => {
  t.is(
    commandHelp(findCommand('load')!),
    [
      'Usage:  sandbox load [OPTIONS]',
      '',
      'Load an image from a tar archive or STDIN',
      '',
      'Options:',
      '  -h, --help           Print usage',
      '  -i, --input string   Read from tar archive file, instead of STDIN',
      '  -q, --quiet          Suppress the load output',
      '',
    ].join('\n'),
  );
});
