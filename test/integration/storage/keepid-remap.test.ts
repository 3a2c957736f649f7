// Id remapping in the FUSE overlay (the `--userns=keep-id` building block, issue 9): a runtime
// config whose user namespace maps ids differently from the map the layers were unpacked with
// (sandbox.rootfs.storage*Mappings) still shows every file with its image owner, and a chown
// lands on disk in the layers' map, without any copy of the image. The CLI's keep-id (issue 4)
// writes such configs; here one is written by hand and run by sandbox-monitor directly.
import test from 'ava';
import { spawn } from 'node:child_process';
import { existsSync, lstatSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { makeSandboxHome, runSandbox, type SandboxHome } from '../../helpers/cli.js';
import { needs } from '../../helpers/facility.js';
import { fixtures } from '../../helpers/fixtures.js';
import { currentIdMaps } from '../../../src/runtime/idmap.js';
import { monitorPath } from '../../../src/runtime/paths.js';

const maps = currentIdMaps();
const sub = maps.uidMappings.find((m) => m.containerID === 1);
const it = needs(test, ['fixtures', 'cli', 'monitor', 'subids', 'newidmap', 'userns', 'fuse', 'unprivileged'], 'runs the FUSE overlay under a keep-id map');

let home: SandboxHome;
test.before(async () => {
  if (!existsSync(process.env.SANDBOX_FIXTURES ?? '/nonexistent')) return;
  home = await makeSandboxHome();
  const r = await runSandbox(['load', '-i', fixtures().busybox.dockerArchive], { env: home.env });
  if (r.code !== 0) throw new Error(`load failed: ${r.stderr}`);
});
test.after.always(async () => {
  await home?.cleanup();
});

it('under a keep-id map the FUSE overlay shows image owners and writes in the layers\' map', async (t) => {
  const r = await runSandbox(['run', '--name', 'keepid', '--storage-driver', 'fuse-overlay', 'lab/busybox', 'true'], { env: home.env });
  t.is(r.code, 0, r.stderr);
  const id = (await runSandbox(['ps', '-a', '-q', '--no-trunc', '--filter', 'name=keepid'], { env: home.env })).stdout.trim();
  const dir = join(home.dataDir, 'containers', id);
  const config = JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8'));
  const uid = process.getuid!();
  // podman's keep-id for this user: container `uid` is the user; the rest from the subordinate range.
  const keep = [
    { containerID: 0, hostID: sub!.hostID, size: uid },
    { containerID: uid, hostID: uid, size: 1 },
    { containerID: uid + 1, hostID: sub!.hostID + uid, size: sub!.size - uid },
  ];
  config.sandbox.rootfs.storageUidMappings = config.linux.uidMappings;
  config.sandbox.rootfs.storageGidMappings = config.linux.gidMappings;
  config.linux.uidMappings = keep;
  config.linux.gidMappings = keep;
  config.process.user = { uid: 0, gid: 0, additionalGids: [] };
  config.process.args = ['sh', '-c', 'stat -c "%u %g %n" /etc/passwd /home/owned-by-1000; touch /tmp/new; chown 1000:1000 /tmp/new; stat -c "%u %g" /tmp/new'];
  delete config.sandbox.cgroup;
  const path = join(dir, 'keepid.json');
  writeFileSync(path, JSON.stringify(config));
  // Result messages on fd 3; the container's stdout is ours.
  const { out, err } = await new Promise<{ out: string; err: string }>((resolve) => {
    const child = spawn(monitorPath(home.env), ['run', '--config', path, '--result-fd', '3'], { env: home.env, stdio: ['ignore', 'pipe', 'pipe', 'pipe'] });
    let o = '';
    let e = '';
    child.stdout!.on('data', (d: Buffer) => (o += d.toString()));
    child.stderr!.on('data', (d: Buffer) => (e += d.toString()));
    child.stdio[3]!.on('data', (d: Buffer) => (e += d.toString()));
    child.on('close', () => resolve({ out: o, err: e }));
  });
  const shown = out.split('\n').filter((l) => l !== '');
  t.deepEqual(shown, ['0 0 /etc/passwd', '1000 1000 /home/owned-by-1000', '1000 1000'], out + err);
  // On disk: image id 1000 under the layers' map (subordinate base + 999), not the keep-id map's.
  t.is(lstatSync(join(dir, 'upper', 'tmp', 'new')).uid, sub!.hostID + 999);
  await runSandbox(['rm', 'keepid'], { env: home.env });
});
