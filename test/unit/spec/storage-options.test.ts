// --storage-opt and --volume-driver: what can't be enforced rootless is refused with the reason.
import test from 'ava';
import { checkStorageOpts, checkVolumeDriver, filesystemName } from '../../../src/spec/storage-options.js';

test('size= is refused naming the filesystem and what to use instead', (t) => {
  t.notThrows(() => checkStorageOpts([], 'ext4'));
  const e = t.throws(() => checkStorageOpts(['size=10G'], 'ext4'));
  t.regex(e!.message, /^--storage-opt size=10G: a container size limit needs a project quota on the store's filesystem \(ext4; .*only root can set quota limits.*--tmpfs with size=/);
});

test('other keys and malformed values: one line naming the value', (t) => {
  t.throws(() => checkStorageOpts(['size'], 'xfs'), { message: 'invalid value "size" for --storage-opt: invalid storage option, use KEY=VALUE (e.g. size=10G)' });
  t.regex(t.throws(() => checkStorageOpts(['dm.basesize=1G'], 'xfs'))!.message, /^--storage-opt dm\.basesize=1G: unknown storage option "dm\.basesize"/);
});

test('--volume-driver: local (or nothing) only', (t) => {
  t.notThrows(() => checkVolumeDriver(undefined));
  t.notThrows(() => checkVolumeDriver('local'));
  t.throws(() => checkVolumeDriver('nfs'), { message: '--volume-driver nfs: volume driver "nfs" is not supported: only the local driver exists (leave the flag out, or use --volume-driver local)' });
});

test('filesystem names from statfs magic numbers', (t) => {
  t.is(filesystemName(0xef53), 'ext4');
  t.is(filesystemName(0x58465342), 'xfs');
  t.is(filesystemName(0x1234), 'filesystem type 0x1234');
});
