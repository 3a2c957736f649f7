// The image store on disk (docs/native-interface.md, "Store layout"): content-addressed blobs,
// layers unpacked once per chain id, and the image index. Every write lands in tmp/ first and
// is renamed into place, so a reader (or a process killed at any moment) sees either nothing or
// a complete, verified object; the index is rewritten whole under the images lock.
import { createReadStream, createWriteStream, readFileSync, statSync } from 'node:fs';
import { mkdir, open, readdir, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { ImageError } from '../errors.js';
import { writeJsonAtomic } from '../state/atomic.js';
import { withLock } from '../state/lock.js';
import { sandboxPaths, type SandboxPaths } from '../state/paths.js';
import { parseImageConfig, type ImageConfig } from './config.js';
import { HashingStream, digestHex, isDigest, sha256Digest, type Digest } from './digest.js';
import { emptyIndex, lookupImage, parseIndex, recordImage, referencedObjects, tagImage, type ImageIndex, type ImageRecord } from './image-index.js';
import type { Unpacker } from './unpacker.js';
import { shiftedCopiesSize } from '../storage/shifted-layers.js';

/** A file written into tmp/ whose digest and size were computed while writing it. */
export interface StagedFile {
  path: string;
  digest: Digest;
  size: number;
}

/** layers/<hex>/layer.json: written into the staging directory before it is renamed into place. */
export interface LayerInfo {
  diffId: Digest;
  chainId: Digest;
  parent: Digest | null;
  size: number;
  complete: true;
}

export interface ResolvedImage {
  id: Digest;
  names: string[];
  config: ImageConfig;
  /** Absolute layers/<chain>/diff directories, bottom-most first. */
  layerDirs: string[];
  record: ImageRecord;
}

/** Manifests and configs are read whole; anything this large is not one. */
const MAX_METADATA_BLOB = 32 << 20;

const errnoOf = (err: unknown) => (err as NodeJS.ErrnoException).code;

/** An object an image needs vanished while it was being recorded (a concurrent rmi): retry. */
export class StoreRaceError extends ImageError {}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return errnoOf(err) === 'EPERM';
  }
}

export class ImageStore {
  readonly paths: SandboxPaths;

  constructor(paths: SandboxPaths = sandboxPaths()) {
    this.paths = paths;
  }

  /** The lock serialising index rewrites (a directory; see src/state/lock.ts). */
  get indexLock(): string {
    return join(this.paths.data, 'locks', 'images');
  }

  get indexPath(): string {
    return join(this.paths.images, 'index.json');
  }

  /** Create the store's directories (0700: nothing in the store is for other users). */
  async init(): Promise<void> {
    for (const dir of [this.paths.data, this.paths.blobs, this.paths.layers, this.paths.images, this.paths.tmp, join(this.paths.data, 'locks')]) {
      await mkdir(dir, { recursive: true, mode: 0o700 });
    }
  }

  // ---- blobs ---------------------------------------------------------------------------------

  blobPath(digest: Digest): string {
    return join(this.paths.blobs, digestHex(digest));
  }

  async hasBlob(digest: Digest): Promise<boolean> {
    try {
      return (await stat(this.blobPath(digest))).isFile();
    } catch {
      return false;
    }
  }

  /** A blob read whole (manifests, configs), re-hashed so on-disk damage is caught, not used. */
  async readBlob(digest: Digest): Promise<Buffer> {
    const path = this.blobPath(digest);
    let data: Buffer;
    try {
      // Synchronous, like the index and layer.json reads below: small files on the path of every
      // `run`, where each fs/promises call is a thread-pool round trip.
      const st = statSync(path);
      if (st.size > MAX_METADATA_BLOB) throw new ImageError(`blob ${digest} is ${st.size} bytes, too large to read whole`);
      data = readFileSync(path);
    } catch (err) {
      if (errnoOf(err) === 'ENOENT') throw new ImageError(`blob ${digest} is missing from the store at ${path}; load or pull the image again`);
      throw err;
    }
    if (sha256Digest(data) !== digest) {
      throw new ImageError(`blob ${digest} in the store is corrupt (${path}); remove it and load or pull the image again`);
    }
    return data;
  }

  /** A blob as a stream (layers); the caller hashes it if it needs to trust it. */
  openBlob(digest: Digest): Readable {
    return createReadStream(this.blobPath(digest));
  }

  /**
   * A fresh, unique path under tmp/ (nothing is created). The name carries our pid, so what a
   * killed process left behind can be told apart from what a live one is still writing.
   */
  tempPath(prefix: string): string {
    return join(this.paths.tmp, `${prefix}-${process.pid}-${randomBytes(8).toString('hex')}`);
  }

  /**
   * Remove what processes that died mid-load (kill -9, power loss) left in tmp/. Entries of live
   * processes are left alone. Through the unpacker, since a half-unpacked layer holds files
   * owned by subordinate ids. Best effort: a leftover costs disk space, never correctness.
   */
  async removeStaleTemp(unpacker: Unpacker): Promise<string[]> {
    let names: string[];
    try {
      names = await readdir(this.paths.tmp);
    } catch {
      return [];
    }
    const stale = names
      .filter((n) => {
        const pid = Number(/^[a-z-]+?-(\d+)-[0-9a-f]{16}$/.exec(n)?.[1]);
        return Number.isSafeInteger(pid) && pid > 0 && !processAlive(pid);
      })
      .map((n) => join(this.paths.tmp, n));
    if (stale.length > 0) await unpacker.remove(stale).catch(() => undefined);
    return stale;
  }

  /** A fresh private directory under tmp/, on the store's filesystem so renames out of it are atomic. */
  async makeTempDir(prefix: string): Promise<string> {
    await mkdir(this.paths.tmp, { recursive: true, mode: 0o700 });
    const dir = this.tempPath(prefix);
    await mkdir(dir, { mode: 0o700 });
    return dir;
  }

  /** Write `src` to a file under tmp/ (or `into`), hashing it on the way. */
  async stage(src: Readable | AsyncIterable<Uint8Array> | Uint8Array, into?: string): Promise<StagedFile> {
    await mkdir(this.paths.tmp, { recursive: true, mode: 0o700 });
    const path = into ?? this.tempPath('blob');
    const hasher = new HashingStream();
    const input = src instanceof Uint8Array ? Readable.from([src]) : src;
    try {
      await pipeline(input, hasher, createWriteStream(path, { flags: 'wx', mode: 0o600 }));
    } catch (err) {
      await rm(path, { force: true });
      throw err;
    }
    return { path, digest: hasher.digest(), size: hasher.size };
  }

  /**
   * Publish a staged file as blob `expected`, refusing it when its content hashes differently.
   * `what` names the blob in the error (a layer path inside an archive, a registry URL).
   */
  async commitBlob(staged: StagedFile & { synced?: boolean }, expected: Digest, what: string = expected): Promise<void> {
    if (staged.digest !== expected) {
      await rm(staged.path, { force: true });
      throw new ImageError(`${what} failed verification: expected digest ${expected}, content is ${staged.digest}; the archive or download is corrupt`);
    }
    await mkdir(this.paths.blobs, { recursive: true, mode: 0o700 });
    // fsync before the rename that publishes it: after a crash a blob is whole or absent.
    // (A pull syncs its download itself, while the unpacker is still finishing: `synced`.)
    if (!staged.synced) {
      const fh = await open(staged.path, 'r');
      try {
        await fh.sync();
      } finally {
        await fh.close();
      }
    }
    // Renaming over an existing blob is harmless: same name, same bytes.
    await rename(staged.path, this.blobPath(expected));
  }

  /** Verified write of a whole blob. */
  async putBlob(expected: Digest, data: Readable | AsyncIterable<Uint8Array> | Uint8Array): Promise<void> {
    await this.commitBlob(await this.stage(data), expected);
  }

  // ---- layers --------------------------------------------------------------------------------

  /** layers/<chain hex>: holds diff/ and layer.json. */
  layerPath(chainId: Digest): string {
    return join(this.paths.layers, digestHex(chainId));
  }

  /** layers/<chain hex>/diff: the unpacked layer, as the rootfs driver mounts it. */
  layerDir(chainId: Digest): string {
    return join(this.layerPath(chainId), 'diff');
  }

  async readLayerInfo(chainId: Digest): Promise<LayerInfo | undefined> {
    try {
      const info = JSON.parse(readFileSync(join(this.layerPath(chainId), 'layer.json'), 'utf8')) as Partial<LayerInfo>;
      if (info.complete !== true || info.chainId !== chainId || !isDigest(info.diffId)) return undefined;
      return info as LayerInfo;
    } catch {
      return undefined;
    }
  }

  /** True only for a complete layer: layer.json is written last, before the directory is published. */
  async hasLayer(chainId: Digest): Promise<boolean> {
    if (!(await this.readLayerInfo(chainId))) return false;
    try {
      return statSync(this.layerDir(chainId)).isDirectory();
    } catch {
      return false;
    }
  }

  /**
   * Publish a staging directory (holding an unpacked diff/) as layers/<chain hex>. layer.json goes
   * in first and the directory is renamed whole, so a layer directory either is complete or does
   * not exist. When another load published the same chain id first, ours is discarded.
   * Returns false when an existing layer was kept instead of ours.
   */
  async commitLayer(stagingDir: string, info: LayerInfo, unpacker: Unpacker): Promise<boolean> {
    await writeJsonAtomic(join(stagingDir, 'layer.json'), info);
    await mkdir(this.paths.layers, { recursive: true, mode: 0o700 });
    const target = this.layerPath(info.chainId);
    for (let attempt = 0; ; attempt++) {
      try {
        await rename(stagingDir, target);
        return true;
      } catch (err) {
        const code = errnoOf(err);
        if (code !== 'ENOTEMPTY' && code !== 'EEXIST') throw err;
        if ((await this.hasLayer(info.chainId)) || attempt > 0) {
          await unpacker.remove([stagingDir]);
          return false;
        }
        // A directory at the target that is not a complete layer: never produced by this code
        // (it renames complete directories only), so it is damage. Move it aside and retry.
        const aside = this.tempPath('damaged-layer');
        try {
          await rename(target, aside);
        } catch (e) {
          if (errnoOf(e) !== 'ENOENT') throw e;
        }
        await unpacker.remove([aside]);
      }
    }
  }

  // ---- the image index -------------------------------------------------------------------

  async readIndex(): Promise<ImageIndex> {
    let text: string;
    try {
      text = readFileSync(this.indexPath, 'utf8');
    } catch (err) {
      if (errnoOf(err) === 'ENOENT') return emptyIndex();
      throw err;
    }
    return parseIndex(text, this.indexPath);
  }

  /** Read-modify-write of the index under the images lock. */
  async updateIndex(change: (index: ImageIndex) => ImageIndex): Promise<ImageIndex> {
    await this.init();
    return withLock(this.indexLock, async () => {
      const next = change(await this.readIndex());
      await writeJsonAtomic(this.indexPath, next);
      return next;
    });
  }

  /**
   * Record images (all in one index write); their names move to them from older images.
   * Checked under the lock: every layer and config the records need must be in the store, so
   * an image removal that raced this pull (and took a shared layer away) cannot leave a record
   * pointing at nothing. The caller retries (pull) or reports (load) a StoreRaceError.
   */
  async recordImages(records: ImageRecord[]): Promise<void> {
    await this.init();
    await withLock(this.indexLock, async () => {
      for (const r of records) {
        if (!(await this.hasBlob(r.configDigest))) throw new StoreRaceError(`image ${r.id} lost its config blob ${r.configDigest} while it was being stored`);
        for (const l of r.layers) {
          if (!(await this.hasLayer(l.chainId))) throw new StoreRaceError(`image ${r.id} lost layer ${l.chainId} while it was being stored`);
        }
      }
      await writeJsonAtomic(this.indexPath, records.reduce(recordImage, await this.readIndex()));
    });
  }

  /**
   * Change the index and drop what removed images leave unreferenced, in one locked step:
   * `change` returns the new index and the records it removed. Layer directories are renamed
   * into tmp/ under the lock (so they vanish atomically for every reader) and deleted after it;
   * blobs are unlinked. Returns the chain ids removed (top-most first, as docker lists them)
   * and the bytes their unpacked tars held.
   */
  async removeImages(
    change: (index: ImageIndex) => { index: ImageIndex; removed: ImageRecord[] },
    unpacker: Unpacker,
  ): Promise<{ removedLayers: Digest[]; reclaimed: number }> {
    await this.init();
    const aside: string[] = [];
    const removedLayers: Digest[] = [];
    let reclaimed = 0;
    await withLock(this.indexLock, async () => {
      const { index, removed } = change(await this.readIndex());
      await writeJsonAtomic(this.indexPath, index);
      const still = referencedObjects(index);
      const chains: Digest[] = [];
      const blobs = new Set<Digest>();
      for (const r of removed) {
        for (const l of [...r.layers].reverse()) if (!still.chains.has(l.chainId) && !chains.includes(l.chainId)) chains.push(l.chainId);
        for (const b of [r.manifestDigest, r.configDigest, ...r.layers.map((l) => l.digest)]) if (!still.blobs.has(b)) blobs.add(b);
      }
      for (const chain of chains) {
        const info = await this.readLayerInfo(chain);
        // --userns=keep-id's shifted copies live inside the layer's directory and go with it.
        const shifted = await shiftedCopiesSize(this.layerPath(chain));
        const to = this.tempPath('removed-layer');
        try {
          await rename(this.layerPath(chain), to);
        } catch (err) {
          if (errnoOf(err) === 'ENOENT') continue;
          throw err;
        }
        aside.push(to);
        removedLayers.push(chain);
        reclaimed += (info?.size ?? 0) + shifted;
      }
      for (const b of blobs) await rm(this.blobPath(b), { force: true });
    });
    if (aside.length > 0) await unpacker.remove(aside);
    return { removedLayers, reclaimed };
  }

  /** Name image `id` `name` (canonical), taking the name from whichever image had it. */
  async tag(id: Digest, name: string): Promise<void> {
    await this.updateIndex((index) => tagImage(index, id, name));
  }

  async listImages(): Promise<ImageRecord[]> {
    return (await this.readIndex()).images;
  }

  /**
   * The image a name, a `sha256:` id or a unique id prefix names, with its config and the layer
   * directories to stack. A missing image is docker's "Unable to find image 'x:latest' locally".
   */
  async resolveImage(refOrId: string): Promise<ResolvedImage> {
    const record = lookupImage(await this.readIndex(), refOrId);
    const config = parseImageConfig(await this.readBlob(record.configDigest), record.configDigest);
    const layerDirs: string[] = [];
    for (const layer of record.layers) {
      if (!(await this.hasLayer(layer.chainId))) {
        throw new ImageError(`image ${refOrId} is incomplete: layer ${layer.chainId} is missing from the store; load or pull the image again`);
      }
      layerDirs.push(this.layerDir(layer.chainId));
    }
    return { id: record.id, names: record.names, config, layerDirs, record };
  }
}
