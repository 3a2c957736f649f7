// `images` as docker prints it: rows per tag, <none> rows, digests, filters, sizes and ages in
// docker's units; and docker's units themselves.
import test from 'ava';
import { filterImages, formatImages, parseImageFilters, pathMatch, rowsOf } from '../../../src/format/images.js';
import { goFormatG, goTimeString, humanDuration, humanSize } from '../../../src/format/units.js';
import type { ImageRecord } from '../../../src/image/image-index.js';
import { sha, type Digest } from './image-fixtures.js';

const now = new Date('2024-03-01T12:00:00Z');
const id = `sha256:a416a98b71e2${'0'.repeat(52)}` as Digest;
const d1 = sha('manifest');

function rec(names: string[], repoDigests: string[] = [], created = '2024-02-01T12:00:00Z', size = 4_261_550, rid: Digest = id): ImageRecord {
  return { id: rid, names, repoDigests, manifestDigest: d1, configDigest: rid, created, layers: [{ diffId: sha('l'), chainId: sha('l'), size, digest: sha('b'), mediaType: 'x' }] };
}

test('docker units: sizes with %.3g/%.4g in SI units, durations as go-units says them', (t) => {
  t.is(humanSize(4_261_550, 3), '4.26MB');
  t.is(humanSize(77_800_000, 3), '77.8MB');
  t.is(humanSize(1_234_567_890, 3), '1.23GB');
  t.is(humanSize(999, 3), '999B');
  t.is(humanSize(0), '0B');
  t.is(humanSize(1_234_567), '1.235MB');
  t.is(goFormatG(999.96, 3), '1e+03');
  t.is(humanDuration(500), 'Less than a second');
  t.is(humanDuration(1000), '1 second');
  t.is(humanDuration(90_000), 'About a minute');
  t.is(humanDuration(3 * 3600_000), '3 hours');
  t.is(humanDuration(31 * 86400_000), '4 weeks');
  t.is(humanDuration(400 * 86400_000), '13 months');
  t.is(humanDuration(3 * 365 * 86400_000), '3 years');
  t.regex(goTimeString(new Date('2024-01-02T03:04:05Z')), /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d [+-]\d{4} \S+$/);
});

test('the default table: one row per tag, newest first, docker\'s columns and spacing', (t) => {
  const older = rec(['docker.io/library/busybox:latest', 'docker.io/library/busybox:1.36', 'localhost:5000/lab/busybox:v1']);
  const newer = rec([], [], '2024-02-27T12:00:00Z', 77_800_000, `sha256:0123456789ab${'1'.repeat(52)}` as Digest);
  t.is(
    formatImages([older, newer], { quiet: false, digests: false, noTrunc: false, now }),
    [
      'REPOSITORY                   TAG       IMAGE ID       CREATED       SIZE',
      '<none>                       <none>    0123456789ab   3 days ago    77.8MB',
      'busybox                      1.36      a416a98b71e2   4 weeks ago   4.26MB',
      'busybox                      latest    a416a98b71e2   4 weeks ago   4.26MB',
      'localhost:5000/lab/busybox   v1        a416a98b71e2   4 weeks ago   4.26MB',
      '',
    ].join('\n'),
  );
});

test('-q prints an id per row, --no-trunc the full id; --digests adds the DIGEST column', (t) => {
  const r = rec(['docker.io/library/busybox:latest'], [`docker.io/library/busybox@${d1}`]);
  t.is(formatImages([r], { quiet: true, digests: false, noTrunc: false, now }), 'a416a98b71e2\n');
  t.is(formatImages([r], { quiet: true, digests: false, noTrunc: true, now }), `${id}\n`);
  t.is(
    formatImages([r], { quiet: false, digests: true, noTrunc: false, now }),
    `REPOSITORY   TAG       DIGEST${' '.repeat(68)}IMAGE ID       CREATED       SIZE\nbusybox      latest    ${d1}   a416a98b71e2   4 weeks ago   4.26MB\n`,
  );
});

test('an image pulled by digest only shows its repository with a <none> tag', (t) => {
  const rows = rowsOf(rec([], [`docker.io/library/busybox@${d1}`]), { digests: false, noTrunc: false, now });
  t.deepEqual(rows.map((r) => [r.Repository, r.Tag, r.Digest]), [['busybox', '<none>', '']]);
  const withDigests = rowsOf(rec([], [`docker.io/library/busybox@${d1}`]), { digests: true, noTrunc: false, now });
  t.deepEqual(withDigests.map((r) => [r.Repository, r.Tag, r.Digest]), [['busybox', '<none>', d1]]);
});

test('--format templates see docker\'s fields; json prints every field', (t) => {
  const r = rec(['docker.io/library/busybox:latest']);
  t.is(formatImages([r], { quiet: false, digests: false, noTrunc: false, now, format: '{{.Repository}}:{{.Tag}} {{.ID}} {{.Size}} {{.CreatedSince}}' }), 'busybox:latest a416a98b71e2 4.26MB 4 weeks ago\n');
  t.is(formatImages([r], { quiet: false, digests: false, noTrunc: false, now, format: 'table {{.ID}}\\t{{.Repository}}' }), 'IMAGE ID       REPOSITORY\na416a98b71e2   busybox\n');
  const json = JSON.parse(formatImages([r], { quiet: false, digests: false, noTrunc: false, now, format: 'json' })) as Record<string, string>;
  t.deepEqual(Object.keys(json), ['Containers', 'CreatedAt', 'CreatedSince', 'Digest', 'ID', 'Repository', 'SharedSize', 'Size', 'Tag', 'UniqueSize', 'VirtualSize']);
});

test('filters: reference patterns keep only matching tags; dangling, label, before, since', (t) => {
  const a = rec(['docker.io/library/busybox:latest', 'docker.io/lab/app:1'], [], '2024-01-01T00:00:00Z');
  const b = rec([], [], '2024-01-02T00:00:00Z', 1, sha('b'));
  const c = rec(['docker.io/library/alpine:3'], [], '2024-01-03T00:00:00Z', 1, sha('c'));
  const labels = (r: ImageRecord): Record<string, string> => (r.id === c.id ? { tier: 'db' } : {});
  const created = (ref: string) => (ref === 'busybox' ? a.created : c.created);
  const names = (f: string[]) => filterImages([a, b, c], parseImageFilters(f), labels, created).map((r) => [r.id, r.names]);
  t.deepEqual(names(['reference=busy*']), [[a.id, ['docker.io/library/busybox:latest']]]);
  t.deepEqual(names(['reference=lab/*:1']), [[a.id, ['docker.io/lab/app:1']]]);
  t.deepEqual(names(['dangling=true']), [[b.id, []]]);
  t.deepEqual(names(['label=tier=db']), [[c.id, c.names]]);
  t.deepEqual(names(['since=busybox']).map((x) => x[0]), [b.id, c.id]);
  t.deepEqual(names(['before=alpine']).map((x) => x[0]), [a.id, b.id]);
  t.throws(() => parseImageFilters(['color=red']), { message: "invalid filter 'color'; images can be filtered by reference, dangling, label, before and since" });
  t.true(pathMatch('lab/*', 'lab/app'));
  t.false(pathMatch('*', 'lab/app'), '* does not cross /');
  t.true(pathMatch('b[a-z]sybox', 'busybox'));
});
