// The I/O half of the security options, run before the spec is completed: read a
// `seccomp=PROFILE.json`, check that each --device is a device node this user can open, and
// list the host devices --privileged binds in. Errors are SpecError (exit 125), one line.
import { constants } from 'node:fs';
import { access, readFile, readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { SpecError } from '../errors.js';
import { DEFAULT_DEVICES } from '../oci/defaults.js';
import type { DeviceSpec, SecurityOptions } from '../spec/security.js';
import { parseSeccompProfile } from './seccomp-profile.js';

const canOpen = (path: string, mode: number) => access(path, mode).then(() => true, () => false);

async function checkDevice(d: DeviceSpec): Promise<void> {
  const st = await stat(d.host).catch((e: NodeJS.ErrnoException) => {
    throw new SpecError(`error gathering device information while adding device "${d.host}": ${e.code === 'ENOENT' ? 'no such file or directory' : e.message}`);
  });
  if (!st.isCharacterDevice() && !st.isBlockDevice()) throw new SpecError(`--device ${d.host}: not a device node`);
  const mode = d.perms.includes('w') ? constants.R_OK | constants.W_OK : constants.R_OK;
  if (!(await canOpen(d.host, mode))) {
    const want = d.perms.includes('w') ? 'read and write' : 'read';
    throw new SpecError(`--device ${d.host}: you may not ${want} it on the host, and without root a container gets no more than you (try ':r', or ask for access to the device)`);
  }
  // The kernel ignores a read-only mount when a device node is opened for writing (it checks
  // read-only filesystems for files, directories and links only), so without root 'r' holds
  // only where the host's permissions already keep this user from writing the node.
  if (!d.perms.includes('w') && (await canOpen(d.host, constants.W_OK))) {
    throw new SpecError(`--device ${d.host}:${d.container}:${d.perms}: read-only can't be enforced without root: a read-only bind doesn't stop writes to a device node, and you may write this one on the host; drop ':${d.perms}' to pass it read-write`);
  }
}

/** Host device directories not worth walking: other instances or our own mounts replace them. */
const SKIP = new Set(['/dev/pts', '/dev/shm', '/dev/mqueue', '/dev/fd', '/dev/ptmx', '/dev/console', '/dev/core', '/dev/hugepages']);

/** Every device node under /dev (two levels) this user can open: what --privileged binds in. */
export async function openableHostDevices(root = '/dev', depth = 2): Promise<DeviceSpec[]> {
  const out: DeviceSpec[] = [];
  const entries = await readdir(root, { withFileTypes: true }).catch(() => []);
  for (const e of entries.sort((a, b) => a.name.localeCompare(b.name))) {
    const path = join(root, e.name);
    if (SKIP.has(path)) continue;
    if (e.isDirectory() && depth > 1) out.push(...(await openableHostDevices(path, depth - 1)));
    if (!e.isCharacterDevice() && !e.isBlockDevice()) continue;
    const r = await canOpen(path, constants.R_OK);
    const w = await canOpen(path, constants.W_OK);
    // Write-only can't be a bind (see parseDevice); a device we can only write is left out.
    if (r) out.push({ host: path, container: path, perms: w ? 'rw' : 'r', mknodAsked: false });
  }
  return out;
}

/** Complete `sec` in place with what the host says. */
export async function loadSecurityFiles(sec: SecurityOptions): Promise<void> {
  if (sec.seccomp.mode === 'profile' && !sec.seccomp.profile) {
    const path = sec.seccomp.path;
    const text = await readFile(path, 'utf8').catch((e: NodeJS.ErrnoException) => {
      throw new SpecError(`opening seccomp profile (${path}) failed: ${e.code === 'ENOENT' ? 'no such file or directory' : e.message}`);
    });
    sec.seccomp.profile = parseSeccompProfile(text, path);
  }
  for (const d of sec.devices) await checkDevice(d);
  if (sec.privileged) {
    // The default nodes are bound already (oci/defaults); --device entries win over ours.
    const given = new Set([...DEFAULT_DEVICES, ...sec.devices.map((d) => d.container)]);
    for (const d of await openableHostDevices()) if (!given.has(d.container)) sec.devices.push(d);
  }
}
