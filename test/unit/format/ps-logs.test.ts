import test from 'ava';
import { ellipsis, filterContainers, formatPs, formatWantsSize, parsePsFilters, sizeText, statusText } from '../../../src/format/ps.js';
import { parseLogLines, parseLogTime, parseTail, renderRecord, selectRecords } from '../../../src/format/logs.js';
import type { ContainerRecord } from '../../../src/state/containers.js';

const now = new Date('2026-01-01T00:01:00.000Z');
const rec = (over: Partial<ContainerRecord>): ContainerRecord => ({
  id: 'c'.repeat(64),
  name: 'n',
  image: 'lab/busybox',
  imageId: 'sha256:x',
  command: ['sh', '-c', 'echo hello; echo world'],
  created: '2026-01-01T00:00:00.000Z',
  status: 'running',
  autoRemove: false,
  startedAt: '2026-01-01T00:00:58.000Z',
  ...over,
});

test('STATUS reads as docker writes it', (t) => {
  t.is(statusText(rec({}), now), 'Up 2 seconds');
  t.is(statusText(rec({}), now, 'healthy'), 'Up 2 seconds (healthy)');
  t.is(statusText(rec({ status: 'exited', exitCode: 3, finishedAt: '2026-01-01T00:00:55.000Z' }), now), 'Exited (3) 5 seconds ago');
  t.is(statusText(rec({ status: 'created', startedAt: undefined }), now), 'Created');
  t.is(statusText(rec({ status: 'dead' }), now), 'Dead');
});

test('COMMAND is cut to 20 characters with an ellipsis and quoted', (t) => {
  t.is(ellipsis('sh -c echo hello; echo world', 20), 'sh -c echo hello; e…');
  const out = formatPs([rec({})], { quiet: false, noTrunc: false }, now).split('\n');
  t.is(out[0], 'CONTAINER ID   IMAGE         COMMAND                  CREATED              STATUS         PORTS     NAMES');
  t.is(out[1], 'cccccccccccc   lab/busybox   "sh -c echo hello; e…"   About a minute ago   Up 2 seconds             n');
});

test('filters: same key ORed, different keys ANDed; bad filters refused', (t) => {
  const a = rec({ id: 'a'.repeat(64), name: 'web' });
  const b = rec({ id: 'b'.repeat(64), name: 'db', status: 'exited', exitCode: 1 });
  const ctx = { ancestorMatches: () => true, all: [a, b] };
  t.deepEqual(filterContainers([a, b], parsePsFilters(['name=web', 'name=db']), ctx).length, 2);
  t.deepEqual(filterContainers([a, b], parsePsFilters(['name=web', 'status=exited']), ctx), []);
  t.deepEqual(filterContainers([a, b], parsePsFilters(['exited=1']), ctx), [b]);
  t.throws(() => parsePsFilters(['colour=red']), { message: "invalid filter 'colour'" });
  t.throws(() => parsePsFilters(['status=sleeping']), { message: /^invalid filter 'status=sleeping'/ });
});

test('log lines: F ends a line, P is part of one; torn lines are skipped', (t) => {
  const recs = parseLogLines('2026-01-01T00:00:00.000000001Z stdout P par\n2026-01-01T00:00:00.000000002Z stdout F tial\n2026-01-01T00:00:01.000000000Z stderr F e\n2026-01-01T00:0');
  t.deepEqual(recs.map((r) => [r.stream, r.text]), [['stdout', 'par'], ['stdout', 'tial\n'], ['stderr', 'e\n']]);
  t.deepEqual(selectRecords(recs, { tail: 1 }).map((r) => r.text), ['e\n']);
  t.deepEqual(selectRecords(recs, { tail: 2 }).map((r) => r.text), ['par', 'tial\n', 'e\n']);
  t.deepEqual(selectRecords(recs, { since: parseLogTime('2026-01-01T00:00:00.5Z', now) }).map((r) => r.text), ['e\n']);
  t.deepEqual(selectRecords(recs, { until: parseLogTime('1767225600.5', now) }).map((r) => r.text), ['par', 'tial\n']);
});

test('--since takes durations, Unix times and dates; --tail takes all or a count', (t) => {
  t.is(parseLogTime('1m', now), BigInt(now.getTime() - 60_000) * 1_000_000n);
  t.is(parseLogTime('2026-01-01', now), 1767225600n * 1_000_000_000n);
  t.is(parseTail('all'), undefined);
  t.is(parseTail('5'), 5);
  t.throws(() => parseTail('five'));
});

test('STATUS of a container its restart policy is restarting: Restarting (code) time ago', (t) => {
  t.is(statusText(rec({ restarting: true, exitCode: 2, finishedAt: '2026-01-01T00:00:57.000Z' }), now), 'Restarting (2) 3 seconds ago');
});

test('SIZE reads as docker writes it: the writable layer, then virtual with the image', (t) => {
  t.is(sizeText({ rw: 0, image: 4_260_000 }), '0B (virtual 4.26MB)');
  t.is(sizeText({ rw: 12_345, image: 2_150_000 }), '12.3kB (virtual 2.16MB)');
  t.true(formatWantsSize('{{.Names}} {{.Size}}'));
  t.false(formatWantsSize('{{.Names}}'));
});

test('ps -s adds the SIZE column to the default table', (t) => {
  const out = formatPs([rec({})], { quiet: false, noTrunc: false, sizes: new Map([['c'.repeat(64), { rw: 0, image: 1000 }]]) }, now);
  t.regex(out.split('\n')[0]!, /NAMES +SIZE$/);
  t.regex(out.split('\n')[1]!, / 0B \(virtual 1kB\)$/);
});

test('logs --details: docker\'s attribute prefix, a lone space with no attributes, after the timestamp', (t) => {
  const r = { time: '2026-01-01T00:00:00.000000000Z', stream: 'stdout' as const, text: 'hello\n' };
  t.is(renderRecord(r, false, true, true), ' hello\n');
  t.is(renderRecord(r, true, true, true), '2026-01-01T00:00:00.000000000Z  hello\n');
  t.is(renderRecord(r, false, false, true), 'hello\n');
});
