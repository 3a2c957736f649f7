// The native tree copies, seen from TypeScript: `sandbox-monitor vfs-copy` (the layers merged
// into one tree: the vfs driver's rootfs, and a new volume's seed) and `shift-copy` (one layer
// with its owners shifted for --userns=keep-id without FUSE). Copies must be made inside the
// user namespace (the files belong to subordinate ids, and only its root may create them with
// their owners), which Node can't do; the native side also walks the trees with openat2 so an
// image's symlink is copied, never followed.
import { spawn } from 'node:child_process';
import { ImageError } from '../errors.js';
import { lastMessage } from '../image/unpacker.js';
import { currentIdMaps, formatIdMap, type IdMaps } from '../runtime/idmap.js';
import { monitorPath } from '../runtime/paths.js';
import { isIdentity, shiftArgs, type IdShift } from './id-shift.js';

export interface CopyOptions {
  /** The namespace the copy runs in: the maps the layers were unpacked with. */
  maps?: IdMaps;
  /** Owners (and the ids in capabilities and ACLs) moved by this shift (--userns=keep-id). */
  shift?: IdShift | undefined;
  /** Only this directory of the image (a volume's seed); its owner and mode go to dest. */
  subdir?: string;
  monitor?: string;
}

async function runCopy(mode: string, args: string[], what: string, monitor: string): Promise<void> {
  const { code, signal, stdout, stderr } = await new Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }>((resolve, reject) => {
    const child = spawn(monitor, [mode, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.setEncoding('utf8').on('data', (s: string) => (out += s));
    child.stderr.setEncoding('utf8').on('data', (s: string) => (err += s));
    child.on('error', (e: NodeJS.ErrnoException) => reject(new ImageError(`cannot start ${monitor} for ${what}: ${e.code ?? e.message}`)));
    child.on('close', (c, s) => resolve({ code: c, signal: s, stdout: out, stderr: err }));
  });
  const m = lastMessage(stdout);
  if (code === 0 && m?.type === 'unpacked') return;
  if (m?.type === 'error') throw new ImageError(`${what}: ${m.message}`);
  const how = signal ? `was killed by ${signal}` : `exited with status ${code}`;
  const tail = stderr.trim().split('\n').pop();
  throw new ImageError(`sandbox-monitor ${mode} ${how} without a verdict${tail ? ` (${tail})` : ''}`);
}

function mapArgs(maps: IdMaps): string[] {
  return ['--uidmap', formatIdMap(maps.uidMappings), '--gidmap', formatIdMap(maps.gidMappings)];
}

/**
 * Copies layerDirs (bottom first: the image's order) into dest, an existing empty directory:
 * whiteouts delete, opaque directories clear, owners, modes, xattrs, times and hardlinks stay.
 */
export async function vfsCopy(layerDirs: string[], dest: string, opts: CopyOptions = {}): Promise<void> {
  const shift = opts.shift && !isIdentity(opts.shift) ? shiftArgs(opts.shift) : [];
  const subdir = opts.subdir !== undefined ? ['--subdir', opts.subdir] : [];
  const what = opts.subdir !== undefined ? `seeding the volume at ${opts.subdir} from the image` : 'copying the image for the vfs storage driver';
  await runCopy('vfs-copy', [...mapArgs(opts.maps ?? currentIdMaps()), ...shift, ...subdir, '--', dest, ...layerDirs], what, opts.monitor ?? monitorPath());
}

/** One layer copied to dest (which must not exist) with its owners shifted; whiteouts and opaque marks kept. */
export async function shiftCopy(layerDir: string, dest: string, shift: IdShift, opts: { maps?: IdMaps; monitor?: string } = {}): Promise<void> {
  await runCopy('shift-copy', [...mapArgs(opts.maps ?? currentIdMaps()), ...shiftArgs(shift), '--', dest, layerDir], `shifting the owners of layer ${layerDir} for --userns=keep-id`, opts.monitor ?? monitorPath());
}
