// import: a rootfs tarball (plain or gzip) becomes a one-layer image with docker's config and
// history; --change instructions are Dockerfile's.
import test from 'ava';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { ImageError } from '../../../src/errors.js';
import { applyChanges, parseGoDuration, splitWords } from '../../../src/image/change.js';
import { parseImageConfig } from '../../../src/image/config.js';
import { importTarball, importedConfig } from '../../../src/image/import.js';
import { makeTar } from './tar-writer.js';
import { sha, tarUnpacker, tempStore, writeTemp } from './image-fixtures.js';

const rootfs = makeTar([
  { path: 'bin/', type: '5' },
  { path: 'bin/hello', data: '#!/bin/sh\necho hello\n', mode: 0o755 },
]);

for (const [kind, bytes] of [['plain', rootfs], ['gzip', gzipSync(rootfs)]] as const) {
  test(`import of a ${kind} tarball: one layer whose diff id is the tar's hash, named when asked`, async (t) => {
    const s = await tempStore();
    t.teardown(s.cleanup);
    const file = await writeTemp(s.root, 'rootfs.tar', bytes);
    const id = await importTarball(file, s.store, tarUnpacker(), { sourceName: file, name: 'docker.io/lab/imported:1', changes: ['CMD ["/bin/hello"]', 'ENV A=1 B="two words"'] });
    const resolved = await s.store.resolveImage('lab/imported:1');
    t.is(resolved.id, id);
    t.deepEqual(resolved.config.rootfs.diff_ids, [sha(rootfs)]);
    t.deepEqual(resolved.config.config?.Cmd, ['/bin/hello']);
    t.deepEqual(resolved.config.config?.Env, ['A=1', 'B=two words']);
    t.deepEqual(resolved.config.history?.map((h) => h.comment), [`Imported from ${file}`]);
    t.is(await readFile(join(resolved.layerDirs[0]!, 'bin', 'hello'), 'utf8'), '#!/bin/sh\necho hello\n');
    t.true(await s.store.hasBlob(resolved.record.manifestDigest));
    t.is(resolved.record.layers[0]!.mediaType, kind === 'gzip' ? 'application/vnd.docker.image.rootfs.diff.tar.gzip' : 'application/vnd.docker.image.rootfs.diff.tar');
  });
}

test('import refuses an empty input and a bad --change before reading', async (t) => {
  const s = await tempStore();
  t.teardown(s.cleanup);
  await t.throwsAsync(importTarball(await writeTemp(s.root, 'e.tar', Buffer.alloc(0)), s.store, tarUnpacker(), { sourceName: 'e.tar' }), { message: /is empty: import needs a tar archive/ });
  await t.throwsAsync(importTarball('/nonexistent', s.store, tarUnpacker(), { sourceName: '-', changes: ['RUN make'] }), { instanceOf: ImageError, message: 'RUN is not a valid change command' });
});

test('the imported config carries the platform, the message and docker\'s history comment', (t) => {
  const c = importedConfig(sha('x'), { sourceName: '-', message: 'initial', platform: { os: 'linux', architecture: 'arm', variant: 'v7' }, now: new Date('2024-01-02T03:04:05Z') });
  t.like(c, { architecture: 'arm', variant: 'v7', os: 'linux', created: '2024-01-02T03:04:05.000Z', history: [{ created: '2024-01-02T03:04:05.000Z', comment: 'initial' }] });
  t.notThrows(() => parseImageConfig(JSON.stringify(c), 'imported'));
});

test('--change: every instruction docker import accepts', (t) => {
  const c = applyChanges({ Env: ['PATH=/bin'] }, [
    'ENTRYPOINT /entry.sh',
    'CMD ["a", "b"]',
    'ENV PATH=/usr/bin:/bin',
    'ENV LEGACY value with spaces',
    'EXPOSE 80 53/udp',
    'LABEL a=b "c d"=e',
    'USER nobody',
    'WORKDIR /srv',
    'WORKDIR app',
    'STOPSIGNAL SIGINT',
    'VOLUME ["/data", "/logs"]',
    'ONBUILD RUN make',
    'HEALTHCHECK --interval=30s --retries=3 CMD curl -f http://localhost/',
  ]);
  t.deepEqual(c, {
    Entrypoint: ['/bin/sh', '-c', '/entry.sh'],
    Cmd: ['a', 'b'],
    Env: ['PATH=/usr/bin:/bin', 'LEGACY=value with spaces'],
    ExposedPorts: { '80/tcp': {}, '53/udp': {} },
    Labels: { a: 'b', 'c d': 'e' },
    User: 'nobody',
    WorkingDir: '/srv/app',
    StopSignal: 'SIGINT',
    Volumes: { '/data': {}, '/logs': {} },
    OnBuild: ['RUN make'],
    Healthcheck: { Interval: 30e9, Retries: 3, Test: ['CMD-SHELL', 'curl -f http://localhost/'] },
  });
  t.deepEqual(applyChanges({}, ['HEALTHCHECK NONE']).Healthcheck, { Test: ['NONE'] });
  t.is(parseGoDuration('1m30s'), 90e9);
  t.throws(() => parseGoDuration('5 minutes'), { message: "invalid duration '5 minutes': use e.g. 30s, 1m30s, 500ms" });
  t.deepEqual(splitWords(`a="b c" 'd e' f\\ g`), ['a=b c', 'd e', 'f g']);
});
