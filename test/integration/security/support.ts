// Shared by the security tests: images built here (the fixture busybox layer plus a layer of the
// test's own, written with the in-repo tar writer so it can hold root-owned, setuid and hostile
// entries without root), loaded as an oci-archive through `sandbox load`, and the probe.
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, writeFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { runSandbox, type SandboxHome } from '../../helpers/cli.js';
import { fixtures } from '../../helpers/fixtures.js';
import { tarArchive, type TarEntry } from '../../fixtures/hostile/tar-writer.js';
import { monitorPath } from '../../../src/runtime/paths.js';

/** build-x/Release/sandbox-probe, next to the monitor the tests use. */
export const probePath = (env: NodeJS.ProcessEnv = process.env) => join(dirname(monitorPath(env)), 'sandbox-probe');
export const haveProbe = () => existsSync(probePath());

const sha = (b: Buffer) => `sha256:${createHash('sha256').update(b).digest('hex')}`;

export interface ImageSpec {
  name: string;
  /** Entries of the image's own layer, on top of the fixture busybox layer. */
  entries: TarEntry[];
  config?: Record<string, unknown>;
}

/** Write IMAGE as an oci-archive (uncompressed layers) and `sandbox load` it into `home`. */
export async function loadImage(home: SandboxHome, image: ImageSpec): Promise<void> {
  const base = readFileSync(fixtures().layers[0].tar);
  const own = tarArchive(image.entries);
  const blobs = new Map<string, Buffer>();
  const put = (b: Buffer) => {
    const d = sha(b);
    blobs.set(d, b);
    return { digest: d, size: b.length };
  };
  const layers = [base, own].map((b) => ({ mediaType: 'application/vnd.oci.image.layer.v1.tar', ...put(b) }));
  const config = put(Buffer.from(JSON.stringify({
    architecture: process.arch === 'arm64' ? 'arm64' : 'amd64',
    os: 'linux',
    config: { Env: ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'], Cmd: ['sh'], ...image.config },
    rootfs: { type: 'layers', diff_ids: [sha(base), sha(own)] },
  })));
  const manifest = put(Buffer.from(JSON.stringify({
    schemaVersion: 2,
    mediaType: 'application/vnd.oci.image.manifest.v1+json',
    config: { mediaType: 'application/vnd.oci.image.config.v1+json', ...config },
    layers,
  })));
  const index = {
    schemaVersion: 2,
    manifests: [{ mediaType: 'application/vnd.oci.image.manifest.v1+json', ...manifest, annotations: { 'org.opencontainers.image.ref.name': image.name } }],
  };
  const archive = tarArchive([
    { name: 'oci-layout', data: JSON.stringify({ imageLayoutVersion: '1.0.0' }) },
    { name: 'index.json', data: JSON.stringify(index) },
    { name: 'blobs/', type: '5', mode: 0o755 },
    { name: 'blobs/sha256/', type: '5', mode: 0o755 },
    ...[...blobs].map(([d, data]) => ({ name: `blobs/sha256/${d.slice(7)}`, data })),
  ]);
  const dir = await mkdtemp(join(tmpdir(), 'sbx-image-'));
  try {
    const file = join(dir, 'image.oci.tar');
    await writeFile(file, archive);
    const r = await runSandbox(['load', '-i', file], { env: home.env });
    if (r.code !== 0) throw new Error(`sandbox load ${image.name} failed: ${r.stderr}`);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

const probeBytes = () => readFileSync(probePath());

/** lab/probe: busybox plus /probe (0755) and /probe-suid (setuid root), Cmd /probe. */
export const probeImage = (): ImageSpec => ({
  name: 'lab/probe:latest',
  entries: [
    { name: 'probe', data: probeBytes(), mode: 0o755, uid: 0, gid: 0 },
    { name: 'probe-suid', data: probeBytes(), mode: 0o4755, uid: 0, gid: 0 },
  ],
  config: { Cmd: ['/probe'] },
});

export interface ProbeReport {
  uid: number[];
  gid: number[];
  groups: number[];
  capabilities: { CapInh: string; CapPrm: string; CapEff: string; CapBnd: string; CapAmb: string };
  noNewPrivs: number;
  seccomp: number;
  fds: number[];
  mounts: { target: string; type: string; options: string }[];
}

export interface TryResult {
  try: string;
  ret: number;
  errno: number;
  error: string;
  euid: number;
}

/** The last JSON line of a run's stdout. */
export function lastJson<T>(stdout: string): T {
  const line = stdout.trim().split('\n').pop() ?? '';
  try {
    return JSON.parse(line) as T;
  } catch {
    throw new Error(`not a probe report: ${JSON.stringify(stdout)}`);
  }
}

/** Capability names -> the hex mask /proc/self/status shows. */
export function capMask(numbers: number[]): string {
  return numbers.reduce((m, n) => m | (1n << BigInt(n)), 0n).toString(16).padStart(16, '0');
}
