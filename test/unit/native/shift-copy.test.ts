// `sandbox-monitor shift-copy`, --userns=keep-id's layer copy without FUSE, on a layer made by
// the real unpacker: every owner lands where the keep-id map shows the image's owner (image
// root on the first subordinate id, your own id where keep-id puts you), the layer's form is
// kept (whiteouts, opaque marks), and so are modes, times, xattrs, hardlinks and the file
// capability, whose root id moves with the owners so that it still applies in the container.
import test from 'ava';
import { spawnSync } from 'node:child_process';
import { lstatSync, mkdirSync, readdirSync, readlinkSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { currentIdMaps, keepIdMaps, subordinateRanges, type IdRange } from '../../../src/runtime/idmap.js';
import { idShift, shiftArgs } from '../../../src/storage/id-shift.js';
import { tarArchive } from '../../fixtures/hostile/tar-writer.js';
import { needs } from '../../helpers/facility.js';
import { errorOf, makeSandbox, mapArgs, runMonitor, unpack } from './harness.js';

const native = needs(test, ['monitor', 'unprivileged', 'userns', 'subids', 'newidmap'], 'runs shift-copy in a user namespace');

const defaults = () => currentIdMaps();
function keepMaps() {
  const d = defaults();
  const { subuid, subgid } = subordinateRanges(d);
  return keepIdMaps(process.getuid!(), process.getgid!(), subuid, subgid)!;
}
const host = (ranges: IdRange[], id: number) => {
  const r = ranges.find((m) => id >= m.containerID && id < m.containerID + m.size)!;
  return r.hostID + id - r.containerID;
};
/** Where the keep-id map needs image uid `id` on the host. */
const keepUid = (id: number) => host(keepMaps().uidMappings, id);

function rawXattr(dir: string, name: string, key: string): Buffer | undefined {
  const r = spawnSync('tar', ['--xattrs', '--xattrs-include=*', '--format=posix', '--no-recursion', '-cf', '-', '-C', dir, name]);
  const text = r.stdout.toString('latin1');
  const at = text.indexOf(`SCHILY.xattr.${key}=`);
  if (at < 0) return undefined;
  // "LEN key=value\n": LEN is the record's whole length, digits included.
  const start = text.lastIndexOf('\n', at) + 1;
  const len = Number(text.slice(start, text.indexOf(' ', start)));
  const valueStart = at + `SCHILY.xattr.${key}=`.length;
  return Buffer.from(text.slice(valueStart, start + len - 1), 'latin1');
}

function netRawCap(): Buffer {
  const cap = Buffer.alloc(20);
  cap.writeUInt32LE(0x02000001, 0);
  cap.writeUInt32LE(1 << 13, 4);
  return cap;
}

native('a layer copied with the keep-id shift: owners, whiteouts, opaque marks, links and the capability root id', (t) => {
  const s = makeSandbox(t);
  const layer = join(s.base, 'layer');
  mkdirSync(layer);
  const me = process.getuid!();
  t.is(unpack(layer, tarArchive([
    { name: 'etc', type: '5', mode: 0o755 },
    { name: 'etc/.wh.removed' },
    { name: 'etc/opaque', type: '5' },
    { name: 'etc/opaque/.wh..wh..opq' },
    { name: 'etc/opaque/new', data: 'n' },
    { name: 'www', type: '5', mode: 0o751, uid: 33, gid: 33, mtime: 1_100_000_000 },
    { name: 'www/f', data: 'f', uid: 33, gid: 33 },
    { name: 'www/hl', type: '1', linkname: 'www/f', uid: 33, gid: 33 },
    { name: 'mine', data: 'm', uid: me, gid: process.getgid!() },
    { name: 'owned', data: 'x', uid: 1000, gid: 1000, mode: 0o4755, mtime: 1_000_000_000 },
    { name: 'link', type: '2', linkname: '/etc/opaque' },
    { name: 'fifo', type: '6' },
    { name: 'noted', data: 'n', pax: { 'SCHILY.xattr.user.note': 'kept' } },
    { name: 'ping', mode: 0o4755, data: 'bin', pax: { 'SCHILY.xattr.security.capability': netRawCap() } },
  ])).status, 0);
  const copy = join(s.base, 'copy');
  const r = runMonitor(['shift-copy', ...mapArgs(), ...shiftArgs(idShift(defaults(), keepMaps())), copy, layer]);
  t.is(r.status, 0, JSON.stringify(r.last) + r.stderr);
  t.is(r.last?.type, 'unpacked');

  t.is(statSync(copy).uid, keepUid(0), "the copy's root is the image root's");
  t.is(lstatSync(join(copy, 'etc')).uid, keepUid(0));
  t.is(lstatSync(join(copy, 'www')).uid, keepUid(33));
  t.is(lstatSync(join(copy, 'www')).mode & 0o7777, 0o751);
  t.is(lstatSync(join(copy, 'www')).mtimeMs, 1_100_000_000_000, 'directory times set after their entries');
  t.is(lstatSync(join(copy, 'www/f')).ino, lstatSync(join(copy, 'www/hl')).ino, 'hardlinks stay one file');
  t.is(lstatSync(join(copy, 'mine')).uid, me, 'your own id inside the image stays yours: keep-id maps it to you');
  t.is(lstatSync(join(copy, 'owned')).uid, keepUid(1000));
  t.not(keepUid(1000), host(defaults().uidMappings, 1000), 'the shift moved it');
  t.is(lstatSync(join(copy, 'owned')).mode & 0o7777, 0o4755, 'setuid survives the chown');
  t.is(lstatSync(join(copy, 'owned')).mtimeMs, 1_000_000_000_000);
  t.is(readlinkSync(join(copy, 'link')), '/etc/opaque');
  t.is(lstatSync(join(copy, 'link')).uid, keepUid(0));
  t.true(lstatSync(join(copy, 'fifo')).isFIFO());
  // The layer's form stays: the kernel overlay applies these over the copies.
  const wh = lstatSync(join(copy, 'etc/.wh.removed').replace('.wh.', ''));
  t.true(wh.isCharacterDevice() && wh.rdev === 0, 'the whiteout is still a 0:0 device');
  t.deepEqual(readdirSync(join(copy, 'etc')).sort(), ['opaque', 'removed']);
  t.deepEqual(rawXattr(copy, 'etc/opaque', 'user.overlay.opaque'), Buffer.from('y'));
  t.deepEqual(rawXattr(copy, 'noted', 'user.note'), Buffer.from('kept'));
  // Read from the host, a capability whose root is not ours is v3 with that root's host id:
  // the keep-id container's root, so the capability applies there.
  const cap = rawXattr(copy, 'ping', 'security.capability');
  t.is(cap?.length, 24);
  t.is(cap!.readUInt32LE(0) >>> 24, 3);
  t.is(cap!.readUInt32LE(4), 1 << 13, 'CAP_NET_RAW still permitted');
  t.is(cap!.readUInt32LE(20), keepUid(0));
  t.is(lstatSync(join(copy, 'ping')).mode & 0o7777, 0o4755);
});

native('DEST must not exist; the shift is required; paths are absolute', (t) => {
  const s = makeSandbox(t);
  const shift = shiftArgs(idShift(defaults(), keepMaps()));
  t.regex(errorOf(runMonitor(['shift-copy', ...mapArgs(), ...shift, s.dest, s.outside]))?.message ?? '', /creating .*dest: File exists/);
  t.regex(errorOf(runMonitor(['shift-copy', ...mapArgs(), join(s.base, 'x'), s.outside]))?.message ?? '', /usage: sandbox-monitor shift-copy/);
  t.regex(errorOf(runMonitor(['shift-copy', ...mapArgs(), ...shift, 'rel', s.outside]))?.message ?? '', /absolute paths/);
});
