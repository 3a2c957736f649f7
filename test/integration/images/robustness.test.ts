// The store under stress, through the real CLI: a blob the registry serves corrupted is refused
// and not stored; pulls racing each other (the same image, and images sharing layers) end with
// one layer directory per chain id and a valid index; a pull killed with SIGKILL while a layer
// downloads leaves nothing that looks complete, and the next pull completes.
import test from 'ava';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { open, readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { runSandbox, sandboxBin } from '../../helpers/cli.js';
import { needs } from '../../helpers/facility.js';
import { fixtures, testRegistry } from '../../helpers/fixtures.js';
import { have, imageHome, pushFixture, startRegistry, startStallingProxy } from './registries.js';

const NEEDS = ['cli', 'monitor', 'fixtures', 'registry', 'unprivileged', 'userns', 'subids', 'newidmap'] as const;
const withRegistry = needs(test, NEEDS, 'pulls from the test registry');
const withOwnRegistry = have('docker-registry') && have('skopeo') ? withRegistry : needs(test, false, 'docker-registry and skopeo (apt-get install docker-registry skopeo)');

/** Every directory under layers/ is a complete layer: layer.json says so, diff/ exists. */
async function layersAreComplete(dataDir: string): Promise<string[]> {
  const dir = join(dataDir, 'layers');
  const names = existsSync(dir) ? await readdir(dir) : [];
  for (const n of names) {
    const info = JSON.parse(await readFile(join(dir, n, 'layer.json'), 'utf8')) as { complete?: boolean; chainId?: string };
    if (info.complete !== true || info.chainId !== `sha256:${n}` || !existsSync(join(dir, n, 'diff'))) throw new Error(`layer ${n} looks incomplete`);
  }
  return names.sort();
}

withOwnRegistry('a layer the registry serves corrupted is refused: no blob, no layer, no image', async (t) => {
  const fx = fixtures();
  const reg = await startRegistry(t);
  await pushFixture(fx.ociLayout, fx.busybox.name, reg, 'lab/busybox:latest');
  const data = reg.blobData(fx.layers[0].digest);
  const fh = await open(data, 'r+');
  const { size } = await fh.stat();
  const b = Buffer.alloc(1);
  await fh.read(b, 0, 1, size >> 1);
  b[0] ^= 0xff;
  await fh.write(b, 0, 1, size >> 1);
  await fh.close();

  const home = await imageHome(t);
  const r = await runSandbox(['pull', `${reg.address}/lab/busybox`], { env: home.env });
  t.is(r.code, 125);
  t.regex(r.stderr, new RegExp(`^sandbox: blob ${fx.layers[0].digest} from ${reg.address}/lab/busybox failed verification: expected digest ${fx.layers[0].digest}, content is sha256:[0-9a-f]{64}; the registry sent corrupt data and nothing was stored\n$`));
  t.false(existsSync(join(home.dataDir, 'blobs', 'sha256', fx.layers[0].digest.slice(7))));
  t.false((await layersAreComplete(home.dataDir)).includes(fx.layers[0].diffId.slice(7)));
  t.is((await runSandbox(['images', '-q'], { env: home.env })).stdout, '');
});

withRegistry('racing pulls of one image and of an image sharing its layers: one directory per chain id, a valid index', async (t) => {
  const reg = testRegistry();
  const home = await imageHome(t);
  const results = await Promise.all([reg.busybox, reg.busybox, reg.busyboxApp, reg.busyboxAppV2s2].map((ref) => runSandbox(['pull', '-q', ref], { env: home.env })));
  for (const r of results) t.is(r.code, 0, r.stderr);
  const layers = await layersAreComplete(home.dataDir);
  t.is(layers.length, 2, 'two layers, shared by all four');
  const images = await runSandbox(['images', '--format', '{{.Repository}}:{{.Tag}}'], { env: home.env });
  t.deepEqual(images.stdout.trim().split('\n').sort(), [reg.busybox, reg.busyboxApp, reg.busyboxAppV2s2].sort());
  t.deepEqual(await readdir(join(home.dataDir, 'tmp')), []);
});

withRegistry('a pull killed with SIGKILL while a layer downloads leaves a store the next pull completes', async (t) => {
  const reg = testRegistry();
  const home = await imageHome(t);
  const proxy = await startStallingProxy(t, reg.address);
  const ref = `${proxy.address}/lab/busybox:latest`;
  const stalled = new Promise<void>((resolve) => (proxy.onStall = resolve));
  const child = spawn(process.execPath, [sandboxBin, 'pull', ref], { env: home.env, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (d: Buffer) => (output += d));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (_code, signal) => resolve(signal === 'SIGKILL' ? 137 : _code)));
  await Promise.race([stalled, exited]);
  // Half a layer is in: the blob is being written to tmp/ and unpacked at the same time.
  await new Promise((r) => setTimeout(r, 300));
  child.kill('SIGKILL');
  t.is(await exited, 137, output);
  t.true(output.includes('Pulling fs layer'));
  await new Promise((r) => setTimeout(r, 200)); // the orphaned unpacker sees its input end

  t.is((await runSandbox(['images', '-q'], { env: home.env })).stdout, '', 'no image was recorded');
  await layersAreComplete(home.dataDir);
  t.true((await readdir(join(home.dataDir, 'tmp'))).length > 0, 'the killed pull left its staging behind');

  proxy.stall = false;
  const again = await runSandbox(['pull', '-q', ref], { env: home.env });
  t.is(again.code, 0, again.stderr);
  t.is((await layersAreComplete(home.dataDir)).length, 2);
  t.deepEqual(await readdir(join(home.dataDir, 'tmp')), [], 'what the dead pull left is gone');
  const run = await runSandbox(['run', '--rm', ref, 'cat', '/etc/upper-added'], { env: home.env });
  t.is(run.stdout, 'upper\n', run.stderr);
});
