// fuse-overlayfs as the conformance suite's reference: the same image layers (from our store),
// mounted by fuse-overlayfs in a user namespace with the container's id map (unshare with
// newuidmap), and the case's script run chrooted into it. Not a sandbox driver: a yardstick.
import { execFileSync, spawn } from 'node:child_process';
import { mkdtemp, copyFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { SandboxHome } from '../../helpers/cli.js';
import { currentIdMaps } from '../../../src/runtime/idmap.js';
import { sandboxPaths } from '../../../src/state/paths.js';
import { ImageStore } from '../../../src/image/store.js';

export function referenceAvailable(): boolean {
  try {
    execFileSync('sh', ['-c', 'command -v fuse-overlayfs && unshare --help | grep -q -- --map-users'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** The shell steps, inside the new namespaces: mount, give it /proc and /dev/null, chroot. */
const INNER = `set -e
t=$1; lowers=$2; shift 2
mkdir -p "$t/upper" "$t/work" "$t/merged"
cp "$t/fs-helper" "$t/upper/fsh"
fuse-overlayfs -o "lowerdir=$lowers,upperdir=$t/upper,workdir=$t/work" "$t/merged"
mkdir -p "$t/merged/proc" "$t/merged/dev"
mount -t proc proc "$t/merged/proc"
for d in null zero urandom; do touch "$t/merged/dev/$d"; mount --bind "/dev/$d" "$t/merged/dev/$d"; done
set +e
chroot "$t/merged" /bin/sh -c "$1"
`;

export async function runOnReference(home: SandboxHome, helper: string, script: string): Promise<{ code: number; stdout: string; stderr: string }> {
  const image = await new ImageStore(sandboxPaths(home.env)).resolveImage('lab/busybox-app');
  const lowers = [...image.layerDirs].reverse().join(':');
  const t = await mkdtemp(join(home.root, 'ref-'));
  await copyFile(helper, join(t, 'fs-helper'));
  const sub = currentIdMaps().uidMappings.find((m) => m.containerID === 1);
  const subg = currentIdMaps().gidMappings.find((m) => m.containerID === 1);
  const maps = sub && subg ? [`--map-users=${sub.hostID},1,${sub.size}`, `--map-groups=${subg.hostID},1,${subg.size}`] : [];
  const args = ['--user', '--map-root-user', ...maps, '--mount', '--pid', '--fork', 'sh', '-c', INNER, 'ref', t, lowers, script];
  return new Promise((resolve) => {
    const child = spawn('unshare', args, { env: { ...home.env, PATH: `${process.env.PATH ?? ''}:/usr/sbin:/sbin` } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('close', (code) => resolve({ code: code ?? 1, stdout, stderr }));
  });
}
