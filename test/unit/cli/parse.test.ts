// Specification of how `sandbox run` reads its command line: docker's rules, word for word.
import test from 'ava';
import { parseCommandArgs, parseRunArgs } from '../../../src/cli/parse.js';
import { runOptions, type RunOptions } from '../../../src/cli/run-options.js';
import type { OptionTable } from '../../../src/cli/option-spec.js';

// Most run options are not built yet and would be refused; these tests are about reading the
// words, so they parse with run's real rows, every one marked built.
const allBuilt = runOptions.map((row) => ({ ...row, status: 'built' as const }));
const parseRun = (...argv: string[]) => parseCommandArgs(allBuilt, argv, 'run', { stopAtFirstPositional: true, minArgs: 1 });

test('the first word that is not an option is the image; the rest is the command, verbatim', (t) => {
  t.deepEqual(parseRunArgs(['busybox', 'ls', '-la']), { options: parseRunArgs(['busybox']).options, image: 'busybox', command: ['ls', '-la'] });
});

test('options after the image go to the container, even ones sandbox knows', (t) => {
  const { options, image, command } = parseRunArgs(['--rm', 'busybox', '--rm', '--foo', '-it', '--', 'x']);
  t.true(options.rm);
  t.is(image, 'busybox');
  t.deepEqual(command, ['--rm', '--foo', '-it', '--', 'x']);
});

test('-- ends the options, so an image name may start with a dash', (t) => {
  const { options, image, command } = parseRunArgs(['--rm', '--', '-odd', '--rm']);
  t.true(options.rm);
  t.is(image, '-odd');
  t.deepEqual(command, ['--rm']);
});

test('no options and no command: defaults everywhere', (t) => {
  const { options, image, command } = parseRunArgs(['busybox']);
  t.is(image, 'busybox');
  t.deepEqual(command, []);
  t.false(options.rm);
  t.false(options.help);
  t.false(options.detach);
  t.true(options.sigProxy, 'docker proxies signals unless --sig-proxy=false');
  t.true(options.disableContentTrust, 'docker skips verification by default');
  t.deepEqual(options.env, []);
  t.is(options.name, undefined);
  t.is(options.memory, undefined);
});

test('RunOptions has one camelCase field per row of the table', (t) => {
  const options: RunOptions = parseRunArgs(['busybox']).options;
  // Compile-time: the field types follow the row kinds.
  const capAdd: string[] = options.capAdd;
  const rm: boolean = options.rm;
  const name: string | undefined = options.name;
  const cpus: string | undefined = options.cpus;
  t.deepEqual([capAdd, rm, name, cpus], [[], false, undefined, undefined]);
  t.deepEqual(Object.keys(options).sort(), runOptions.map((row) => row.long.replace(/-([a-z0-9])/g, (_, c: string) => c.toUpperCase())).sort());
  t.true('healthStartInterval' in options && 'ip6' in options && 'noHealthcheck' in options && 'storageDriver' in options);
});

test('--flag=value and --flag value are the same', (t) => {
  t.is(parseRun('--name=web', 'img').options.name, 'web');
  t.is(parseRun('--name', 'web', 'img').options.name, 'web');
});

test('a value may itself contain = signs', (t) => {
  t.deepEqual(parseRun('--env=A=B=C', '-e', 'D=E', 'img').options.env, ['A=B=C', 'D=E']);
});

test('an empty value after = is a value', (t) => {
  t.is(parseRun('--entrypoint=', 'img').options.entrypoint, '');
});

test('a value-taking flag takes the next word even when it starts with a dash', (t) => {
  t.is(parseRun('--memory-swap', '-1', 'img').options.memorySwap, '-1');
  const { options, positionals } = parseRun('--name', '--rm', 'img');
  t.is(options.name, '--rm');
  t.false(options.rm);
  t.deepEqual(positionals, ['img']);
});

test('short flags combine: -it and -itd', (t) => {
  const it = parseRun('-it', 'img').options;
  t.true(it.interactive && it.tty);
  t.false(it.detach);
  const itd = parseRun('-itd', 'img').options;
  t.true(itd.interactive && itd.tty && itd.detach);
});

test('a short flag taking a value accepts it attached, separate, or after =', (t) => {
  t.deepEqual(parseRun('-p8080:80', 'img').options.publish, ['8080:80']);
  t.deepEqual(parseRun('-p', '8080:80', 'img').options.publish, ['8080:80']);
  t.deepEqual(parseRun('-p=8080:80', 'img').options.publish, ['8080:80']);
  t.deepEqual(parseRun('-eFOO=bar', 'img').options.env, ['FOO=bar']);
});

test('in a cluster, a value-taking letter takes the rest of the word or the next word', (t) => {
  const attached = parseRun('-dp8080:80', 'img').options;
  t.true(attached.detach);
  t.deepEqual(attached.publish, ['8080:80']);
  const separate = parseRun('-itp', '80:80', 'img');
  t.true(separate.options.interactive && separate.options.tty);
  t.deepEqual(separate.options.publish, ['80:80']);
  t.deepEqual(separate.positionals, ['img']);
});

test('-h is --hostname for run, not help', (t) => {
  const { options } = parseRun('-h', 'box', 'img');
  t.is(options.hostname, 'box');
  t.false(options.help);
});

test('booleans accept =true and =false (and Go spellings such as 0 and 1)', (t) => {
  t.false(parseRunArgs(['--rm=false', 'img']).options.rm);
  t.true(parseRunArgs(['--rm=true', 'img']).options.rm);
  t.false(parseRunArgs(['--rm=0', 'img']).options.rm);
  t.true(parseRunArgs(['--rm=1', 'img']).options.rm);
  t.false(parseRun('--sig-proxy=false', 'img').options.sigProxy);
  t.false(parseRun('-d=false', 'img').options.detach);
});

test('a boolean never takes the next word: `--rm false` runs the image "false"', (t) => {
  const { options, image } = parseRunArgs(['--rm', 'false']);
  t.true(options.rm);
  t.is(image, 'false');
});

test('the last of a repeated boolean or string wins', (t) => {
  t.false(parseRunArgs(['--rm', '--rm=false', 'img']).options.rm);
  t.is(parseRun('--name', 'a', '--name=b', 'img').options.name, 'b');
});

test('list options repeat and keep their order, long and short mixed', (t) => {
  t.deepEqual(parseRun('-e', 'A=1', '--env', 'B=2', '-eC=3', 'img').options.env, ['A=1', 'B=2', 'C=3']);
  t.deepEqual(parseRun('--cap-add', 'NET_ADMIN', '--cap-add=SYS_ADMIN', 'img').options.capAdd, ['NET_ADMIN', 'SYS_ADMIN']);
});

test('--net is --network, --net-alias is --network-alias, --dns-opt is --dns-option', (t) => {
  const { options } = parseRun('--net', 'host', '--network=none', '--net-alias', 'web', '--dns-opt', 'ndots:1', 'img');
  t.deepEqual(options.network, ['host', 'none']);
  t.deepEqual(options.networkAlias, ['web']);
  t.deepEqual(options.dnsOption, ['ndots:1']);
});

test('--no-healthcheck is an option of its own, not the negation of a "healthcheck" option', (t) => {
  t.true(parseRun('--no-healthcheck', 'img').options.noHealthcheck);
});

test('number options are checked but kept as the text given', (t) => {
  const { options } = parseRun('--cpus', '1.5', '-c', '512', '--pids-limit', '-1', '--blkio-weight=300', 'img');
  t.is(options.cpus, '1.5');
  t.is(options.cpuShares, '512');
  t.is(options.pidsLimit, '-1');
  t.is(options.blkioWeight, '300');
});

test('sizes and durations are raw text for the spec stage to interpret', (t) => {
  const { options } = parseRun('-m', '300M', '--shm-size=64m', '--health-interval', '2s', 'img');
  t.is(options.memory, '300M');
  t.is(options.shmSize, '64m');
  t.is(options.healthInterval, '2s');
});

test('podman\'s keep-id is a value of --userns', (t) => {
  t.is(parseRun('--userns=keep-id', 'img').options.userns, 'keep-id');
});

test('a lone dash is a positional word', (t) => {
  t.deepEqual(parseRun('img', '-').positionals, ['img', '-']);
});

test('--help needs no image and wins over planned options', (t) => {
  const { options, image, command } = parseRunArgs(['--help']);
  t.true(options.help);
  t.is(image, '');
  t.deepEqual(command, []);
  t.true(parseRunArgs(['-d', '--help']).options.help);
});

const small = [
  { long: 'all', short: 'a', kind: 'bool', status: 'built', help: 'Show all' },
  { long: 'filter', short: 'f', kind: 'list', status: 'built', placeholder: 'filter', help: 'Filter output' },
] as const satisfies OptionTable;

test('commands that do not stop at the first positional accept options between arguments', (t) => {
  const { options, positionals } = parseCommandArgs(small, ['one', '-a', 'two', '--filter', 'x=y', 'three'], 'ps');
  t.deepEqual(positionals, ['one', 'two', 'three']);
  t.true(options.all);
  t.deepEqual(options.filter, ['x=y']);
});

test('-- still ends the options of such commands', (t) => {
  t.deepEqual(parseCommandArgs(small, ['--', '-a'], 'ps').positionals, ['-a']);
});
