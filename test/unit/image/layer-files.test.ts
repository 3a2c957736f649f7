import test from 'ava';
import { mkdirSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readImageFile } from '../../../src/image/layer-files.js';

/** Two layer directories (bottom-most first), each with the files given. */
async function layers(t: { teardown: (fn: () => Promise<void>) => void }, ...contents: Record<string, string>[]): Promise<string[]> {
  const root = await mkdtemp(join(tmpdir(), 'sbx-layers-'));
  t.teardown(() => rm(root, { recursive: true, force: true }));
  return contents.map((files, i) => {
    const dir = join(root, String(i), 'diff');
    mkdirSync(dir, { recursive: true });
    for (const [path, text] of Object.entries(files)) {
      mkdirSync(join(dir, path, '..'), { recursive: true });
      writeFileSync(join(dir, path), text);
    }
    return dir;
  });
}

test('a file only a lower layer has is read from it', async (t) => {
  const dirs = await layers(t, { 'etc/passwd': 'root:x:0:0::/root:/bin/sh\n' }, { 'bin/app': 'x' });
  t.is(await readImageFile(dirs, '/etc/passwd'), 'root:x:0:0::/root:/bin/sh\n');
});

test('the top-most layer holding the file wins', async (t) => {
  const dirs = await layers(t, { 'etc/group': 'root:x:0:\n' }, { 'etc/group': 'root:x:0:\nwheel:x:10:\n' });
  t.is(await readImageFile(dirs, '/etc/group'), 'root:x:0:\nwheel:x:10:\n');
});

test('a file no layer has, a directory, and a file over the size limit read as undefined', async (t) => {
  const dirs = await layers(t, { 'etc/hosts': '127.0.0.1 localhost\n' }, { 'etc/passwd/x': '' });
  t.is(await readImageFile(dirs, '/etc/shadow'), undefined);
  t.is(await readImageFile(dirs, '/etc/passwd'), undefined);
  t.is(await readImageFile(dirs, '/etc/hosts', 4), undefined);
});
