// nativeUnpacker against stand-in monitors: shell scripts that honour the contract of
// docs/native-interface.md (JSON lines on stdout, the last one the verdict; exit 0/1).
import test from 'ava';
import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { ImageError } from '../../../src/errors.js';
import { HashingStream } from '../../../src/image/digest.js';
import { lastMessage, nativeUnpacker } from '../../../src/image/unpacker.js';
import { sha } from './image-fixtures.js';

const maps = {
  uidMappings: [{ containerID: 0, hostID: 1001, size: 1 }, { containerID: 1, hostID: 200000, size: 65536 }],
  gidMappings: [{ containerID: 0, hostID: 1001, size: 1 }, { containerID: 1, hostID: 200000, size: 65536 }],
  subordinate: true,
};

async function fakeMonitor(t: { teardown: (fn: () => Promise<void>) => void }, body: string): Promise<{ path: string; dir: string }> {
  const dir = await mkdtemp(join(tmpdir(), 'fake-monitor-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const path = join(dir, 'sandbox-monitor');
  await writeFile(path, `#!/bin/sh\n${body}\n`);
  await chmod(path, 0o755);
  return { path, dir };
}

const input = Buffer.alloc(300_000, 0x61);

test('unpack passes the id maps and destination, streams the tar, and returns the verdict', async (t) => {
  const { path, dir } = await fakeMonitor(
    t,
    `echo "$@" > "$(dirname "$0")/args"; cat > "$(dirname "$0")/stdin"; echo '{"type":"progress"}'; echo '{"type":"unpacked","entries":7,"skipped":[{"path":"dev/null","reason":"device node"}]}'`,
  );
  const u = nativeUnpacker({ monitor: path, maps });
  const result = await u.unpack(Readable.from([input]), '/some/dest');
  t.deepEqual(result, { entries: 7, skipped: [{ path: 'dev/null', reason: 'device node' }] });
  t.is((await readFile(join(dir, 'args'), 'utf8')).trim(), 'unpack --uidmap 0:1001:1,1:200000:65536 --gidmap 0:1001:1,1:200000:65536 /some/dest');
  t.true((await readFile(join(dir, 'stdin'))).equals(input));
});

test("an error message from the unpacker becomes an ImageError with the native side's message", async (t) => {
  const { path } = await fakeMonitor(t, `cat >/dev/null; echo '{"type":"error","step":"unpack","errno":1,"message":"etc/shadow: owner 70000 is outside the mapped range"}'; exit 1`);
  await t.throwsAsync(nativeUnpacker({ monitor: path, maps }).unpack(Readable.from([input]), '/d'), {
    instanceOf: ImageError,
    message: 'etc/shadow: owner 70000 is outside the mapped range',
  });
});

test('an unpacker that dies without a verdict is reported with its status and last stderr line', async (t) => {
  const { path } = await fakeMonitor(t, `echo 'oops: something broke' >&2; exit 3`);
  await t.throwsAsync(nativeUnpacker({ monitor: path, maps }).unpack(Readable.from([input]), '/d'), {
    instanceOf: ImageError,
    message: 'sandbox-monitor unpack exited with status 3 without a verdict (oops: something broke)',
  });
});

test('an unpacker that stops reading early still lets the caller hash every byte', async (t) => {
  // Reads nothing, answers at once: the source must be drained so an upstream hash completes.
  const { path } = await fakeMonitor(t, `echo '{"type":"unpacked","entries":0,"skipped":[]}'`);
  const big = Buffer.alloc(4 << 20, 0x62);
  const tap = new HashingStream();
  const [res] = await Promise.all([nativeUnpacker({ monitor: path, maps }).unpack(tap, '/d'), pipeline(Readable.from([big.subarray(0, 1 << 20), big.subarray(1 << 20)]), tap)]);
  t.is(res.entries, 0);
  await new Promise((r) => setImmediate(r));
  t.is(tap.digest(), sha(big));
});

test('a missing monitor binary is one line with the fix', async (t) => {
  await t.throwsAsync(nativeUnpacker({ monitor: '/nonexistent/sandbox-monitor', maps }).unpack(Readable.from([input]), '/d'), {
    instanceOf: ImageError,
    message: "cannot start the layer unpacker /nonexistent/sandbox-monitor: ENOENT; build it with 'npm run build:native' or point SANDBOX_MONITOR at it",
  });
});

test('remove runs rmtree with the maps and every path', async (t) => {
  const { path, dir } = await fakeMonitor(t, `echo "$@" > "$(dirname "$0")/args"; echo '{"type":"removed","paths":["/a","/b"]}'`);
  await nativeUnpacker({ monitor: path, maps }).remove(['/a', '/b']);
  t.is((await readFile(join(dir, 'args'), 'utf8')).trim(), 'rmtree --uidmap 0:1001:1,1:200000:65536 --gidmap 0:1001:1,1:200000:65536 /a /b');
});

test('a failed rmtree is an ImageError with its message', async (t) => {
  const { path } = await fakeMonitor(t, `echo '{"type":"error","step":"rmtree","errno":13,"message":"/a: permission denied"}'; exit 1`);
  await t.throwsAsync(nativeUnpacker({ monitor: path, maps }).remove(['/a']), { instanceOf: ImageError, message: '/a: permission denied' });
});

test('lastMessage takes the last JSON message line and ignores noise', (t) => {
  t.deepEqual(lastMessage('{"type":"a"}\nnot json\n{"type":"unpacked","entries":1,"skipped":[]}\n\n'), { type: 'unpacked', entries: 1, skipped: [] });
  t.is(lastMessage('garbage'), undefined);
});
