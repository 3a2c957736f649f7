// Test images built in memory: layer tars, a docker image config, and the two archive formats
// around them (docker-archive in old-docker and docker-25 layouts, oci-archive with an optional
// multi-platform index). Digests and chain ids are computed here independently of src/.
import { createHash } from 'node:crypto';
import { execFileSync, spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import type { Readable } from 'node:stream';
import { sandboxPaths } from '../../../src/state/paths.js';
import { ImageStore } from '../../../src/image/store.js';
import type { Unpacker } from '../../../src/image/unpacker.js';
import { makeTar, type TarInput } from './tar-writer.js';

export type Digest = `sha256:${string}`;
export const sha = (b: Buffer | string): Digest => `sha256:${createHash('sha256').update(b).digest('hex')}`;
export const hex = (d: string) => d.slice('sha256:'.length);

export interface LayerSpec {
  files: TarInput[];
  compression?: 'gzip' | 'none' | 'zstd';
}

export interface TestImage {
  /** Uncompressed layer tars. */
  tars: Buffer[];
  /** Layer blobs as shipped (compressed or not). */
  blobs: Buffer[];
  mediaTypes: string[];
  diffIds: Digest[];
  chainIds: Digest[];
  config: Buffer;
  configDigest: Digest;
}

/** A real zstd frame, made by Debian's zstd program (the tests' host has it: test/host/prepare.sh). */
export function zstdCompress(data: Buffer): Buffer {
  return execFileSync('zstd', ['-q', '-c', '-3'], { input: data, maxBuffer: 1 << 30 });
}

export function makeImage(layers: LayerSpec[], extra: Record<string, unknown> = {}): TestImage {
  const tars = layers.map((l) => makeTar(l.files));
  const blobs = layers.map((l, i) =>
    l.compression === 'gzip' ? gzipSync(tars[i]!) : l.compression === 'zstd' ? zstdCompress(tars[i]!) : tars[i]!,
  );
  const mediaTypes = layers.map((l) =>
    l.compression === 'gzip' ? 'application/vnd.oci.image.layer.v1.tar+gzip' : l.compression === 'zstd' ? 'application/vnd.oci.image.layer.v1.tar+zstd' : 'application/vnd.oci.image.layer.v1.tar',
  );
  const diffIds = tars.map((t) => sha(t));
  const chainIds: Digest[] = [];
  for (const d of diffIds) chainIds.push(chainIds.length === 0 ? d : sha(`${chainIds[chainIds.length - 1]} ${d}`));
  const config = Buffer.from(
    JSON.stringify({
      architecture: 'amd64',
      os: 'linux',
      created: '2024-01-02T03:04:05Z',
      config: { Env: ['PATH=/bin'], Cmd: ['sh'], WorkingDir: '/', Healthcheck: { Test: ['CMD', 'true'], Interval: 1e9 } },
      rootfs: { type: 'layers', diff_ids: diffIds },
      history: layers.map(() => ({ created_by: 'test' })),
      ...extra,
    }),
  );
  return { tars, blobs, mediaTypes, diffIds, chainIds, config, configDigest: sha(config) };
}

/** docker save before docker 25: <id>/layer.tar (later duplicates as symlinks), <hex>.json, manifest.json last. */
export function dockerArchive(img: TestImage, repoTags: string[] | null, layout: 'legacy' | 'blobs' = 'legacy'): Buffer {
  const entries: TarInput[] = [];
  const layerPaths: string[] = [];
  const configPath = layout === 'legacy' ? `${hex(img.configDigest)}.json` : `blobs/sha256/${hex(img.configDigest)}`;
  if (layout === 'blobs') entries.push({ path: 'blobs/', type: '5' }, { path: 'blobs/sha256/', type: '5' });
  img.blobs.forEach((blob, i) => {
    if (layout === 'blobs') {
      const p = `blobs/sha256/${hex(sha(blob))}`;
      if (!layerPaths.includes(p)) entries.push({ path: p, data: blob });
      layerPaths.push(p);
      return;
    }
    const id = hex(sha(`layer-${i}`));
    const first = img.blobs.findIndex((b) => b.equals(blob));
    entries.push({ path: `${id}/`, type: '5' }, { path: `${id}/VERSION`, data: '1.0' });
    if (first < i) entries.push({ path: `${id}/layer.tar`, type: '2', linkpath: `../${layerPaths[first]!.split('/')[0]}/layer.tar` });
    else entries.push({ path: `${id}/layer.tar`, data: blob });
    layerPaths.push(`${id}/layer.tar`);
  });
  entries.push({ path: configPath, data: img.config });
  entries.push({ path: 'manifest.json', data: JSON.stringify([{ Config: configPath, RepoTags: repoTags, Layers: layerPaths }]) });
  return makeTar(entries);
}

export interface OciOptions {
  annotations?: Record<string, string>;
  /** Wrap the manifest in an index with other-platform decoys (multi-platform image). */
  multiPlatform?: boolean;
  /** Omit the descriptor media types (older writers do). */
  bareDescriptors?: boolean;
}

/** An OCI image layout in a tar: oci-layout, index.json, blobs/sha256/<hex>. */
export function ociArchive(img: TestImage, opts: OciOptions = {}): Buffer {
  const blobs = new Map<string, Buffer>();
  const put = (b: Buffer) => {
    blobs.set(sha(b), b);
    return { digest: sha(b), size: b.length };
  };
  const layers = img.blobs.map((b, i) => ({ mediaType: img.mediaTypes[i], ...put(b) }));
  const manifest = Buffer.from(
    JSON.stringify({ schemaVersion: 2, mediaType: 'application/vnd.oci.image.manifest.v1+json', config: { mediaType: 'application/vnd.oci.image.config.v1+json', ...put(img.config) }, layers }),
  );
  let top: Record<string, unknown> = { mediaType: 'application/vnd.oci.image.manifest.v1+json', ...put(manifest) };
  if (opts.multiPlatform) {
    const decoyConfig = Buffer.from(JSON.stringify({ architecture: 'arm64', os: 'linux', rootfs: { type: 'layers', diff_ids: [] } }));
    const decoy = Buffer.from(JSON.stringify({ schemaVersion: 2, config: { mediaType: 'application/vnd.oci.image.config.v1+json', ...put(decoyConfig) }, layers: [] }));
    const host = { x64: 'amd64', arm64: 'arm64' }[process.arch as 'x64'] ?? process.arch;
    const other = host === 'arm64' ? 's390x' : 'arm64';
    const index = Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: 'application/vnd.oci.image.index.v1+json',
        manifests: [
          { mediaType: 'application/vnd.oci.image.manifest.v1+json', ...put(decoy), platform: { os: 'linux', architecture: other } },
          { mediaType: 'application/vnd.oci.image.manifest.v1+json', ...put(manifest), platform: { os: 'linux', architecture: host } },
        ],
      }),
    );
    top = { mediaType: 'application/vnd.oci.image.index.v1+json', ...put(index) };
  }
  if (opts.bareDescriptors) delete top.mediaType;
  if (opts.annotations) top.annotations = opts.annotations;
  const entries: TarInput[] = [
    { path: 'oci-layout', data: JSON.stringify({ imageLayoutVersion: '1.0.0' }) },
    { path: 'index.json', data: JSON.stringify({ schemaVersion: 2, manifests: [top] }) },
    { path: 'blobs/', type: '5' },
    { path: 'blobs/sha256/', type: '5' },
    ...[...blobs].map(([d, b]) => ({ path: `blobs/sha256/${hex(d)}`, data: b })),
  ];
  return makeTar(entries);
}

/** A scratch store under a fresh temporary directory. */
export async function tempStore(): Promise<{ store: ImageStore; root: string; cleanup: () => Promise<void> }> {
  const root = await mkdtemp(join(tmpdir(), 'sandbox-image-test-'));
  const store = new ImageStore(sandboxPaths({ HOME: root, SANDBOX_DATA_DIR: join(root, 'data'), SANDBOX_RUNTIME_DIR: join(root, 'run') }));
  return { store, root, cleanup: () => rm(root, { recursive: true, force: true }) };
}

export async function writeTemp(root: string, name: string, data: Buffer): Promise<string> {
  const p = join(root, name);
  await writeFile(p, data);
  return p;
}

/** A promise-returning gate that opens once it has been called `n` times. */
export function barrier(n: number): () => Promise<void> {
  let arrived = 0;
  let open!: () => void;
  const opened = new Promise<void>((r) => (open = r));
  return () => {
    if (++arrived >= n) open();
    return opened;
  };
}

/**
 * An Unpacker for unit tests: the system tar (no user namespace, so owners are not mapped;
 * enough to test parsing, verification and store atomicity). Counts its calls.
 */
export function tarUnpacker(opts: { delayMs?: number; before?: () => Promise<void> } = {}): Unpacker & { unpacked: string[]; removed: string[] } {
  const unpacked: string[] = [];
  const removed: string[] = [];
  return {
    unpacked,
    removed,
    async unpack(tar: Readable, destDir: string) {
      if (opts.delayMs) await new Promise((r) => setTimeout(r, opts.delayMs));
      if (opts.before) await opts.before();
      const entries = await new Promise<number>((resolve, reject) => {
        const child = spawn('tar', ['-x', '-v', '--no-same-owner', '-f', '-', '-C', destDir], { stdio: ['pipe', 'pipe', 'pipe'] });
        let out = '';
        let err = '';
        child.stdout.on('data', (d: Buffer) => (out += d));
        child.stderr.on('data', (d: Buffer) => (err += d));
        child.stdin.on('error', () => tar.resume());
        tar.on('error', (e) => {
          child.kill();
          reject(e);
        });
        tar.pipe(child.stdin);
        child.on('close', (code) => (code === 0 ? resolve(out.split('\n').filter(Boolean).length) : reject(new Error(`tar exited ${code}: ${err.trim()}`))));
      });
      unpacked.push(destDir);
      return { entries, skipped: [] };
    },
    async remove(paths: string[]) {
      removed.push(...paths);
      for (const p of paths) await rm(p, { recursive: true, force: true });
    },
  };
}
