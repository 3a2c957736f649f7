// --log-driver and --log-opt: which drivers are our log file, docker's json-file options, and
// the attributes `logs --details` prints.
import test from 'ava';
import { logAttributes, parseLogSettings } from '../../../src/spec/logging.js';
import { detailsPrefix } from '../../../src/format/logs.js';

test('k8s-file is the default; json-file is the same file; none keeps nothing', (t) => {
  t.deepEqual(parseLogSettings(undefined, []), { driver: 'k8s-file', options: {} });
  t.deepEqual(parseLogSettings('json-file', []), { driver: 'json-file', options: {} });
  t.deepEqual(parseLogSettings('none', []), { driver: 'none', options: {} });
});

test("max-size in docker's decimal units and max-file as a count", (t) => {
  t.like(parseLogSettings('json-file', ['max-size=10m', 'max-file=3']), { maxSize: 10_000_000, maxFiles: 3, options: { 'max-size': '10m', 'max-file': '3' } });
  t.like(parseLogSettings(undefined, ['max-size=1k']), { maxSize: 1000 });
});

test('bad values: one line naming the flag and the value', (t) => {
  const msg = (d: string | undefined, o: string[]) => t.throws(() => parseLogSettings(d, o))!.message;
  t.is(msg('journald', []), '--log-driver journald: not supported: a rootless container\'s output goes to its own log file; use --log-driver k8s-file (the default, also called json-file) or none');
  t.is(msg('foo', []), "--log-driver foo: no log driver named 'foo' is registered; use k8s-file (the default), json-file or none");
  t.is(msg(undefined, ['max-size']), 'invalid value "max-size" for --log-opt: use KEY=VALUE (e.g. max-size=10m)');
  t.is(msg(undefined, ['mode=blocking']), "--log-opt mode=blocking: unknown log opt 'mode' for k8s-file log driver (known: max-size, max-file, compress, labels, labels-regex, env, env-regex, tag)");
  t.is(msg(undefined, ['max-size=lots']), 'invalid value "lots" for --log-opt max-size: use a size such as 10m or 1g');
  t.is(msg(undefined, ['max-size=0']), 'invalid value "0" for --log-opt max-size: max-size must be a positive number');
  t.is(msg(undefined, ['max-file=0']), 'invalid value "0" for --log-opt max-file: max-file cannot be less than 1');
  t.is(msg('none', ['max-size=1m']), '--log-opt max-size=1m: the none log driver takes no options');
  t.is(msg(undefined, ['compress=true']), '--log-opt compress=true: compressing rotated log files is not supported; leave it out (rotated files stay plain)');
  t.regex(msg(undefined, ['tag={{.Nope']), /^invalid value "\{\{\.Nope" for --log-opt tag: /);
});

test("tag, labels and env become the line's attributes, as docker's json-file keeps them", (t) => {
  const who = { id: 'abcdef0123456789'.repeat(4), name: 'web', imageId: 'sha256:' + '12'.repeat(32), imageName: 'lab/busybox', labels: { tier: 'front', other: 'x' }, env: ['PATH=/bin', 'REGION=eu west'] };
  const s = parseLogSettings('json-file', ['tag={{.Name}}/{{.ID}}', 'labels=tier,missing', 'env=REGION']);
  const attrs = logAttributes(s, who);
  t.deepEqual(attrs, { tier: 'front', REGION: 'eu west', tag: 'web/abcdef012345' });
  t.is(detailsPrefix(attrs), 'REGION=eu+west,tag=web%2Fabcdef012345,tier=front');
  t.is(detailsPrefix(undefined), '');
  t.deepEqual(logAttributes(parseLogSettings(undefined, ['labels-regex=^ti', 'env-regex=^PA']), who), { tier: 'front', PATH: '/bin' });
});
