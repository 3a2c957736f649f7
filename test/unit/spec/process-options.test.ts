import test from 'ava';
import { collectLabels, parseKeyValueFile, parseOomScoreAdj, parseStopSignal, parseStopTimeout, parseUlimit, parseUlimits } from '../../../src/spec/process-options.js';
import { parseBytes } from '../../../src/spec/units.js';

test('--shm-size units: bytes by default, b k m g, binary multiples', (t) => {
  t.is(parseBytes('100', '--shm-size'), 100);
  t.is(parseBytes('100b', '--shm-size'), 100);
  t.is(parseBytes('512k', '--shm-size'), 512 * 1024);
  t.is(parseBytes('64m', '--shm-size'), 64 * 1024 * 1024);
  t.is(parseBytes('1g', '--shm-size'), 1024 ** 3);
  t.is(parseBytes('1G', '--shm-size'), 1024 ** 3);
  t.is(parseBytes('2GiB', '--shm-size'), 2 * 1024 ** 3);
  t.is(parseBytes('1.5m', '--shm-size'), 1.5 * 1024 * 1024);
  t.is(parseBytes('64MB', '--shm-size'), 64 * 1024 * 1024);
  t.throws(() => parseBytes('12x', '--shm-size'), { message: /^invalid value "12x" for --shm-size/ });
  t.throws(() => parseBytes('-1m', '--shm-size'), { message: /^invalid value "-1m" for --shm-size/ });
});

test('--ulimit NAME=SOFT[:HARD], -1 is unlimited, last one wins', (t) => {
  t.deepEqual(parseUlimit('nofile=1024:2048'), { type: 'RLIMIT_NOFILE', soft: 1024, hard: 2048 });
  t.deepEqual(parseUlimit('nproc=100'), { type: 'RLIMIT_NPROC', soft: 100, hard: 100 });
  t.deepEqual(parseUlimit('core=-1'), { type: 'RLIMIT_CORE', soft: -1, hard: -1 });
  t.deepEqual(parseUlimits(['nofile=1', 'nofile=2']), [{ type: 'RLIMIT_NOFILE', soft: 2, hard: 2 }]);
  t.throws(() => parseUlimit('nofile'), { message: /^invalid ulimit argument: nofile/ });
  t.throws(() => parseUlimit('bogus=1'), { message: /^invalid ulimit type: bogus/ });
  t.throws(() => parseUlimit('nofile=10:5'), { message: /soft limit must be less than or equal to hard limit: 10 > 5/ });
  t.throws(() => parseUlimit('nofile=1:2:3'), { message: /too many limit value arguments/ });
});

test('--stop-signal: names with or without SIG, numbers, real-time signals', (t) => {
  t.is(parseStopSignal('TERM'), 'SIGTERM');
  t.is(parseStopSignal('sigusr1'), 'SIGUSR1');
  t.is(parseStopSignal('9'), '9');
  t.is(parseStopSignal('SIGRTMIN+3'), 'SIGRTMIN+3');
  t.throws(() => parseStopSignal('FOO'), { message: /^invalid signal: FOO \(--stop-signal\)/ });
  t.throws(() => parseStopSignal('65'), { message: /^invalid signal: 65/ });
});

test('--stop-timeout and --oom-score-adj ranges', (t) => {
  t.is(parseStopTimeout('10'), 10);
  t.is(parseStopTimeout('-1'), -1);
  t.throws(() => parseStopTimeout('-2'), { message: /--stop-timeout/ });
  t.is(parseOomScoreAdj('500'), 500);
  t.throws(() => parseOomScoreAdj('1001'), { message: 'invalid value "1001" for --oom-score-adj: must be between -1000 and 1000' });
});

test("env files as docker reads them: comments, blanks, NAME from the caller's environment", (t) => {
  const text = '# comment\n\nA=1\n  B=two words\nFROM_HOST\nMISSING\n';
  t.deepEqual(parseKeyValueFile(text, 'f', 'env', { FROM_HOST: 'h' }), ['A=1', 'B=two words', 'FROM_HOST=h']);
  t.throws(() => parseKeyValueFile('BAD NAME=1\n', 'f', 'env'), { message: "invalid env file f line 1: variable 'BAD NAME' contains whitespaces" });
});

test('labels: files first, flags after, a bare key is an empty value', (t) => {
  t.deepEqual(collectLabels(parseKeyValueFile('a=1\nb\n', 'f', 'label'), ['a=2', 'c=x=y']), { a: '2', b: '', c: 'x=y' });
});
