// Reading the archive `sandbox load` was given (a file or stdin) into the store's tmp/: every
// regular member is written to a staging file while it is hashed, links are remembered, and
// nothing is interpreted yet. Staging first is what lets stdin work: docker-archives put
// manifest.json last, after the layers it describes, and stdin cannot be rewound.
import { open } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { ImageError, SandboxError } from '../errors.js';
import { MemberTable, detectCompression } from './archive.js';
import type { ImageStore, StagedFile } from './store.js';
import { readTar } from './tar-reader.js';

export interface ArchiveSource {
  /** The bytes of the (possibly gzip-compressed) archive. */
  stream: AsyncIterable<Uint8Array>;
  /** For messages: the path, or "stdin". */
  name: string;
}

function describeOpenError(err: NodeJS.ErrnoException): string {
  switch (err.code) {
    case 'ENOENT':
      return 'no such file';
    case 'EACCES':
      return 'permission denied';
    case 'EISDIR':
      return 'it is a directory';
    default:
      return err.message;
  }
}

/** Open a path (or take a stream as it is); a path that can't be read is a one-line ImageError. */
export async function openArchive(source: string | Readable): Promise<ArchiveSource> {
  if (typeof source !== 'string') return { stream: source, name: 'stdin' };
  try {
    const fh = await open(source, 'r');
    if ((await fh.stat()).isDirectory()) {
      await fh.close();
      throw Object.assign(new Error('is a directory'), { code: 'EISDIR' });
    }
    return { stream: fh.createReadStream(), name: source };
  } catch (err) {
    throw new ImageError(`cannot open archive ${source}: ${describeOpenError(err as NodeJS.ErrnoException)}; give the path of a docker-archive or oci-archive tar`);
  }
}

/** The first `n` bytes of a stream, and the whole stream again (those bytes included). */
async function peek(src: AsyncIterable<Uint8Array>, n: number): Promise<{ head: Buffer; all: AsyncIterable<Uint8Array> }> {
  const it = src[Symbol.asyncIterator]();
  const pulled: Uint8Array[] = [];
  let total = 0;
  let ended = false;
  while (total < n) {
    const r = await it.next();
    if (r.done) {
      ended = true;
      break;
    }
    pulled.push(r.value);
    total += r.value.length;
  }
  async function* all(): AsyncGenerator<Uint8Array> {
    try {
      yield* pulled;
      while (!ended) {
        const r = await it.next();
        if (r.done) return;
        yield r.value;
      }
    } finally {
      if (!ended) await it.return?.();
    }
  }
  return { head: Buffer.concat(pulled).subarray(0, n), all: all() };
}

/**
 * The tar bytes of the archive: as given, or gunzipped (`docker save | gzip` is common, and
 * docker load accepts it). Other compressions are named and refused.
 */
export async function archiveTarStream(src: ArchiveSource): Promise<AsyncIterable<Uint8Array>> {
  const { head, all } = await peek(src.stream, 6);
  if (head.length === 0) throw new ImageError(`${src.name} is empty: there is no archive to load; pass a docker-archive or oci-archive with -i or on stdin`);
  const compression = detectCompression(head);
  if (compression === 'none') return all;
  if (compression === 'gzip') {
    const gunzip = createGunzip();
    const input = Readable.from(all);
    input.on('error', (err) => gunzip.destroy(err));
    return input.pipe(gunzip);
  }
  throw new ImageError(`${src.name} is ${compression}-compressed; decompress it first (or compress it with gzip) and load the result`);
}

/**
 * Stage every regular member of the archive as dir/m<N>; remember symlinks and hardlinks.
 * Stream and zlib failures become one ImageError naming the archive.
 */
export async function stageMembers(src: ArchiveSource, store: ImageStore, dir: string): Promise<MemberTable<StagedFile>> {
  const members = new MemberTable<StagedFile>();
  let n = 0;
  try {
    for await (const entry of readTar(await archiveTarStream(src), { name: src.name })) {
      if (entry.type === 'file') members.addFile(entry.path, await store.stage(entry.body(), join(dir, `m${n++}`)));
      else if (entry.type === 'symlink') members.addSymlink(entry.path, entry.linkpath);
      else if (entry.type === 'hardlink') members.addHardlink(entry.path, entry.linkpath);
    }
  } catch (err) {
    if (err instanceof SandboxError) throw err;
    const e = err as NodeJS.ErrnoException;
    if (e.code === 'ENOSPC') throw new ImageError(`no space left in ${store.paths.tmp} while reading ${src.name}; free some space and load again`);
    throw new ImageError(`cannot read archive ${src.name}: ${e.message}`);
  }
  if (members.size === 0) throw new ImageError(`${src.name} holds no files: it is not a docker-archive or oci-archive`);
  return members;
}
