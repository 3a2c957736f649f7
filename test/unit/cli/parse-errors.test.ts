// Specification of the command-line mistakes sandbox refuses, with docker's exact wording.
// All are UsageErrors: exit 125.
import test from 'ava';
import { UsageError } from '../../../src/errors.js';
import { parseCommandArgs, parseRunArgs } from '../../../src/cli/parse.js';
import { runOptions } from '../../../src/cli/run-options.js';
import { loadOptions, versionOptions } from '../../../src/cli/command-options.js';

function usageError(t: import('ava').ExecutionContext, fn: () => unknown): UsageError {
  const err = t.throws(fn, { instanceOf: UsageError });
  return err as UsageError;
}

const RUN_HINT = "See 'sandbox run --help'.";

test('an unknown flag: docker\'s message, printed bare, with the help hint, exit 125', (t) => {
  const err = usageError(t, () => parseRunArgs(['--foo', 'busybox']));
  t.is(err.message, 'flag provided but not defined: --foo');
  t.is(err.hint, RUN_HINT);
  t.true(err.bare);
  t.is(err.exitCode, 125);
});

test('an unknown flag given with a value names only the flag', (t) => {
  t.is(usageError(t, () => parseRunArgs(['--foo=bar', 'busybox'])).message, 'flag provided but not defined: --foo');
});

test('an unknown shorthand names the letter and the word it was in', (t) => {
  t.is(usageError(t, () => parseRunArgs(['-z', 'busybox'])).message, "unknown shorthand flag: 'z' in -z");
  const err = usageError(t, () => parseRunArgs(['-itz', 'busybox']));
  t.is(err.message, "unknown shorthand flag: 'z' in -itz");
  t.is(err.hint, RUN_HINT);
  t.true(err.bare);
});

test('a value-taking flag at the end of the line needs its argument', (t) => {
  const err = usageError(t, () => parseRunArgs(['--name']));
  t.is(err.message, 'flag needs an argument: --name');
  t.is(err.hint, RUN_HINT);
  t.true(err.bare);
  t.is(usageError(t, () => parseRunArgs(['-p'])).message, "flag needs an argument: 'p' in -p");
});

test('a boolean with a value that is not true or false', (t) => {
  const err = usageError(t, () => parseRunArgs(['--rm=maybe', 'busybox']));
  t.is(err.message, 'invalid argument "maybe" for "--rm" flag: expected true or false');
  t.is(err.hint, RUN_HINT);
  t.true(err.bare);
  t.is(usageError(t, () => parseRunArgs(['-d=yes', 'busybox'])).message, 'invalid argument "yes" for "-d, --detach" flag: expected true or false');
});

test('a number option with text that is not a number', (t) => {
  t.is(usageError(t, () => parseRunArgs(['-c', 'lots', 'busybox'])).message, 'invalid argument "lots" for "-c, --cpu-shares" flag: expected an integer');
  t.is(usageError(t, () => parseRunArgs(['--cpus=half', 'busybox'])).message, 'invalid argument "half" for "--cpus" flag: expected a decimal number');
  t.is(usageError(t, () => parseRunArgs(['--blkio-weight', '-5', 'busybox'])).message, 'invalid argument "-5" for "--blkio-weight" flag: expected an integer between 0 and 65535');
});

test('three dashes or a nameless --= is bad flag syntax', (t) => {
  t.is(usageError(t, () => parseRunArgs(['---rm', 'busybox'])).message, 'bad flag syntax: ---rm');
  t.is(usageError(t, () => parseRunArgs(['--=x', 'busybox'])).message, 'bad flag syntax: --=x');
});

// Whichever run options are still planned (the table changes as options are built).
const plannedRun: readonly { long: string; kind: string }[] = runOptions.filter((r) => (r.status as string) === 'planned');
const plannedFlag = (o: { long: string; kind: string }) => (o.kind === 'bool' ? [`--${o.long}`] : [`--${o.long}`, 'x']);

test('a flag that is not built yet is refused by its long name, not ignored', (t) => {
  const planned = plannedRun[0];
  if (!planned) return t.pass('every run option is built');
  const err = usageError(t, () => parseRunArgs([...plannedFlag(planned), 'busybox']));
  t.is(err.message, `--${planned.long} is not supported yet`);
  t.false(err.bare, `main prints it as "sandbox: --${planned.long} is not supported yet"`);
  t.is(err.hint, undefined);
  t.is(err.exitCode, 125);
  t.is(usageError(t, () => parseRunArgs(['--rm', ...plannedFlag(planned), 'busybox'])).message, `--${planned.long} is not supported yet`);
});

test('a flag not built yet is refused even when given its default value', (t) => {
  const planned = plannedRun.find((r) => 'default' in r);
  if (!planned) return t.pass('no planned run option has a default');
  t.is(usageError(t, () => parseRunArgs([`--${planned.long}=${String((planned as { default: unknown }).default)}`, 'busybox'])).message, `--${planned.long} is not supported yet`);
});

test('a malformed line is reported before a flag that is not built yet', (t) => {
  t.is(usageError(t, () => parseRunArgs(['-d', '--foo', 'busybox'])).message, 'flag provided but not defined: --foo');
});

test('run without an image: docker\'s message, then the hint, usage and summary', (t) => {
  const err = usageError(t, () => parseRunArgs([]));
  t.is(err.message, '"sandbox run" requires at least 1 argument.');
  t.false(err.bare);
  t.is(err.hint, "See 'sandbox run --help'.\n\nUsage:  sandbox run [OPTIONS] IMAGE [COMMAND] [ARG...]\n\nCreate and run a new container from an image");
  t.is(usageError(t, () => parseRunArgs(['--rm'])).message, '"sandbox run" requires at least 1 argument.');
});

test('a command that takes no arguments refuses one', (t) => {
  const err = usageError(t, () => parseCommandArgs(loadOptions, ['extra'], 'load', { maxArgs: 0, usage: 'sandbox load [OPTIONS]', summary: 'Load an image from a tar archive or STDIN' }));
  t.is(err.message, '"sandbox load" accepts no arguments.');
  t.is(err.hint, "See 'sandbox load --help'.\n\nUsage:  sandbox load [OPTIONS]\n\nLoad an image from a tar archive or STDIN");
});

test('argument limits above zero are spelled out', (t) => {
  t.is(usageError(t, () => parseCommandArgs(versionOptions, ['a', 'b'], 'version', { maxArgs: 1 })).message, '"sandbox version" requires at most 1 argument.');
  t.is(usageError(t, () => parseCommandArgs(versionOptions, ['a'], 'version', { minArgs: 2 })).message, '"sandbox version" requires at least 2 arguments.');
});

test('errors of other commands point at their own help', (t) => {
  t.is(usageError(t, () => parseCommandArgs(loadOptions, ['--foo'], 'load')).hint, "See 'sandbox load --help'.");
  t.is(usageError(t, () => parseCommandArgs(loadOptions, ['--foo'], '')).hint, "See 'sandbox --help'.");
});
