// The vfs driver's rootfs: `sandbox-monitor vfs-copy` copies the image's layers into the
// container's own directory when the container is created. The copy must be made inside the
// user namespace (the files belong to subordinate ids, and only its root may create them with
// their owners), which Node can't do; the native side also walks the layers with openat2 so an
// image's symlink is copied, never followed. The init then bind-mounts the copy as "/".
import { spawn } from 'node:child_process';
import { ImageError } from '../errors.js';
import { lastMessage } from '../image/unpacker.js';
import { currentIdMaps, formatIdMap, type IdMaps } from '../runtime/idmap.js';
import { monitorPath } from '../runtime/paths.js';

/**
 * Copies layerDirs (bottom first: the image's order) into dest, an existing empty directory:
 * whiteouts delete, opaque directories clear, owners, modes, xattrs, times and hardlinks stay.
 */
export async function vfsCopy(layerDirs: string[], dest: string, maps: IdMaps = currentIdMaps(), monitor: string = monitorPath()): Promise<void> {
  const args = ['vfs-copy', '--uidmap', formatIdMap(maps.uidMappings), '--gidmap', formatIdMap(maps.gidMappings), dest, ...layerDirs];
  const { code, signal, stdout, stderr } = await new Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }>((resolve, reject) => {
    const child = spawn(monitor, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.setEncoding('utf8').on('data', (s: string) => (out += s));
    child.stderr.setEncoding('utf8').on('data', (s: string) => (err += s));
    child.on('error', (e: NodeJS.ErrnoException) => reject(new ImageError(`cannot start ${monitor} for the vfs copy: ${e.code ?? e.message}`)));
    child.on('close', (c, s) => resolve({ code: c, signal: s, stdout: out, stderr: err }));
  });
  const m = lastMessage(stdout);
  if (code === 0 && m?.type === 'unpacked') return;
  if (m?.type === 'error') throw new ImageError(`copying the image for the vfs storage driver: ${m.message}`);
  const how = signal ? `was killed by ${signal}` : `exited with status ${code}`;
  const tail = stderr.trim().split('\n').pop();
  throw new ImageError(`sandbox-monitor vfs-copy ${how} without a verdict${tail ? ` (${tail})` : ''}`);
}
