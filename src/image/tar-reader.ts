// A streaming reader for the OUTER archive of `sandbox load` (docker-archive, oci-archive):
// ustar, GNU long names ('L'/'K') and pax extended headers ('x'/'g'). The layer tars inside are
// never parsed here; they go to the native unpacker untouched. An archive comes from an
// untrusted source (stdin included), so every header is checksummed and bounded before use, and
// nothing is buffered beyond one block and the metadata records.
import { ImageError } from '../errors.js';

const BLOCK = 512;
/** GNU long names and pax records are held in memory: a few KiB is normal, 1 MiB is plenty. */
const DEFAULT_MAX_META = 1 << 20;

export type TarEntryType = 'file' | 'directory' | 'symlink' | 'hardlink' | 'other';

export interface TarHeader {
  path: string;
  linkpath: string;
  /** The raw typeflag character ('0', '5', 'L', ...; NUL reads as '0'). */
  typeflag: string;
  type: TarEntryType;
  size: number;
  mode: number;
}

export interface TarEntry extends TarHeader {
  /**
   * The entry's content, streamed from the archive. Read it before asking for the next entry;
   * whatever is left unread is skipped when the iteration moves on.
   */
  body(): AsyncGenerator<Buffer>;
}

export interface TarReadOptions {
  /** Named in error messages: a file path or "stdin". */
  name?: string;
  /** Largest GNU long-name or pax header accepted. */
  maxMetaSize?: number;
}

function typeOf(flag: string): TarEntryType {
  switch (flag) {
    case '0':
    case '7': // contiguous file: a regular file everywhere that matters
      return 'file';
    case '1':
      return 'hardlink';
    case '2':
      return 'symlink';
    case '5':
      return 'directory';
    default:
      return 'other';
  }
}

function cString(block: Buffer, start: number, end: number): string {
  const nul = block.indexOf(0, start);
  return block.toString('utf8', start, nul === -1 || nul > end ? end : nul);
}

/**
 * A numeric header field: octal ASCII (optionally space/NUL padded), or GNU base-256 when the
 * top bit of the first byte is set. Undefined when the field is not a number or is negative.
 */
export function parseNumeric(field: Buffer): number | undefined {
  if (field.length > 0 && (field[0]! & 0x80) !== 0) {
    if ((field[0]! & 0x40) !== 0) return undefined; // negative base-256
    let v = BigInt(field[0]! & 0x3f);
    for (let i = 1; i < field.length; i++) v = (v << 8n) | BigInt(field[i]!);
    return v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : undefined;
  }
  const text = field.toString('latin1').replace(/[\0 ]+$/, '').replace(/^ +/, '');
  if (text === '') return 0;
  if (!/^[0-7]+$/.test(text)) return undefined;
  const v = Number.parseInt(text, 8);
  return Number.isSafeInteger(v) ? v : undefined;
}

function checksumMatches(block: Buffer): boolean {
  const stored = parseNumeric(block.subarray(148, 156));
  if (stored === undefined) return false;
  let unsigned = 0;
  let signed = 0;
  for (let i = 0; i < BLOCK; i++) {
    const b = i >= 148 && i < 156 ? 0x20 : block[i]!;
    unsigned += b;
    signed += b >= 0x80 ? b - 0x100 : b; // some old tars summed signed chars
  }
  return stored === unsigned || stored === signed;
}

/** Parse one 512-byte header block; null for an all-zero block (end-of-archive marker). */
export function parseHeader(block: Buffer, offset = 0, name = 'archive'): TarHeader | null {
  if (block.every((b) => b === 0)) return null;
  if (!checksumMatches(block)) {
    throw new ImageError(`${name} is not a valid tar archive: bad header checksum at byte ${offset}; check the file is a complete docker-archive or oci-archive`);
  }
  const size = parseNumeric(block.subarray(124, 136));
  if (size === undefined) {
    throw new ImageError(`${name} is not a valid tar archive: unreadable or absurd entry size at byte ${offset}`);
  }
  const mode = parseNumeric(block.subarray(100, 108)) ?? 0;
  const raw = block[156]!;
  const typeflag = raw === 0 ? '0' : String.fromCharCode(raw);
  const magic = block.toString('latin1', 257, 263);
  let path = cString(block, 0, 100);
  // POSIX ustar splits long names into prefix + name; GNU tar uses that area for other fields.
  if (magic === 'ustar\0') {
    const prefix = cString(block, 345, 500);
    if (prefix !== '') path = `${prefix}/${path}`;
  }
  return { path, linkpath: cString(block, 157, 257), typeflag, type: typeOf(typeflag), size, mode };
}

/** pax extended header records: "LEN KEY=VALUE\n", LEN counting the whole record. */
export function parsePax(data: Buffer, name = 'archive'): Map<string, string> {
  const out = new Map<string, string>();
  let pos = 0;
  while (pos < data.length) {
    if (data[pos] === 0) break; // NUL padding after the last record
    const space = data.indexOf(0x20, pos);
    const len = space === -1 ? NaN : Number(data.toString('latin1', pos, space));
    if (!Number.isSafeInteger(len) || len <= space - pos || pos + len > data.length || data[pos + len - 1] !== 0x0a) {
      throw new ImageError(`${name} is not a valid tar archive: malformed pax extended header record`);
    }
    const record = data.toString('utf8', space + 1, pos + len - 1);
    const eq = record.indexOf('=');
    if (eq <= 0) throw new ImageError(`${name} is not a valid tar archive: pax record without a key`);
    out.set(record.slice(0, eq), record.slice(eq + 1));
    pos += len;
  }
  return out;
}

/** Pulls exact byte counts out of a chunked source without copying more than needed. */
class ByteSource {
  private chunk: Buffer = Buffer.alloc(0);
  private offset = 0;
  /** Bytes handed out so far: the archive offset used in error messages. */
  position = 0;

  constructor(
    private readonly it: AsyncIterator<Uint8Array>,
    private readonly name: string,
  ) {}

  private async more(): Promise<boolean> {
    while (this.offset >= this.chunk.length) {
      const r = await this.it.next();
      if (r.done) return false;
      this.chunk = Buffer.isBuffer(r.value) ? r.value : Buffer.from(r.value);
      this.offset = 0;
    }
    return true;
  }

  truncated(): ImageError {
    return new ImageError(`${this.name} is truncated: the archive ends inside an entry at byte ${this.position}; the file is incomplete`);
  }

  /** Exactly n bytes; null when the source ends before the first of them. */
  async exact(n: number): Promise<Buffer | null> {
    const parts: Buffer[] = [];
    let got = 0;
    while (got < n) {
      if (!(await this.more())) {
        if (got === 0) return null;
        throw this.truncated();
      }
      const take = Math.min(n - got, this.chunk.length - this.offset);
      parts.push(this.chunk.subarray(this.offset, this.offset + take));
      this.offset += take;
      this.position += take;
      got += take;
    }
    return parts.length === 1 ? parts[0]! : Buffer.concat(parts, n);
  }

  /** The next piece of at most n bytes (n > 0); throws when the source has ended. */
  async piece(n: number): Promise<Buffer> {
    if (!(await this.more())) throw this.truncated();
    const take = Math.min(n, this.chunk.length - this.offset);
    const out = this.chunk.subarray(this.offset, this.offset + take);
    this.offset += take;
    this.position += take;
    return out;
  }

  async skip(n: number): Promise<void> {
    let left = n;
    while (left > 0) left -= (await this.piece(left)).length;
  }

  async close(): Promise<void> {
    await this.it.return?.();
  }
}

const padding = (size: number) => (BLOCK - (size % BLOCK)) % BLOCK;

/**
 * The entries of a tar stream, in order. Metadata entries (GNU 'L'/'K', pax 'x'/'g') are
 * consumed here and folded into the entry they describe.
 */
export async function* readTar(src: AsyncIterable<Uint8Array>, opts: TarReadOptions = {}): AsyncGenerator<TarEntry> {
  const name = opts.name ?? 'archive';
  const maxMeta = opts.maxMetaSize ?? DEFAULT_MAX_META;
  const bytes = new ByteSource(src[Symbol.asyncIterator](), name);
  const globals = new Map<string, string>();
  let pax = new Map<string, string>();
  let longName: string | undefined;
  let longLink: string | undefined;

  try {
    for (;;) {
      const at = bytes.position;
      const block = await bytes.exact(BLOCK);
      if (block === null) {
        if (longName !== undefined || longLink !== undefined || pax.size > 0) throw bytes.truncated();
        return; // no end-of-archive marker: tolerated, as GNU tar does
      }
      const header = parseHeader(block, at, name);
      if (header === null) return; // end-of-archive marker; trailing blocks are irrelevant

      const isMeta = header.typeflag === 'L' || header.typeflag === 'K' || header.typeflag === 'x' || header.typeflag === 'g';
      if (isMeta) {
        if (header.size > maxMeta) {
          throw new ImageError(`${name} is not a valid tar archive: a ${header.size}-byte extended header at byte ${at} exceeds the ${maxMeta}-byte limit`);
        }
        const data = (await bytes.exact(header.size)) ?? Buffer.alloc(0);
        if (data.length !== header.size) throw bytes.truncated();
        await bytes.skip(padding(header.size));
        if (header.typeflag === 'L') longName = cString(data, 0, data.length);
        else if (header.typeflag === 'K') longLink = cString(data, 0, data.length);
        else if (header.typeflag === 'x') pax = parsePax(data, name);
        else for (const [k, v] of parsePax(data, name)) globals.set(k, v);
        continue;
      }

      const ext = new Map([...globals, ...pax]);
      const entry: TarHeader = { ...header };
      const paxPath = ext.get('path');
      const paxLink = ext.get('linkpath');
      const paxSize = ext.get('size');
      if (paxPath !== undefined) entry.path = paxPath;
      else if (longName !== undefined) entry.path = longName;
      if (paxLink !== undefined) entry.linkpath = paxLink;
      else if (longLink !== undefined) entry.linkpath = longLink;
      if (paxSize !== undefined) {
        const n = /^[0-9]{1,16}$/.test(paxSize) ? Number(paxSize) : NaN;
        if (!Number.isSafeInteger(n)) {
          throw new ImageError(`${name} is not a valid tar archive: absurd pax size '${paxSize}' for ${entry.path}`);
        }
        entry.size = n;
      }
      pax = new Map();
      longName = undefined;
      longLink = undefined;

      // Links and directories carry no data whatever their size field says (pax size may be set
      // on hardlinks by some writers; GNU tar ignores it, and so do we).
      const dataSize = entry.type === 'file' || entry.type === 'other' ? entry.size : 0;
      let remaining = dataSize;
      let current = true;
      async function* body(): AsyncGenerator<Buffer> {
        if (!current) throw new Error(`tar entry ${entry.path}: body() read after moving to the next entry`);
        while (remaining > 0) {
          const piece = await bytes.piece(remaining);
          remaining -= piece.length;
          yield piece;
        }
      }
      yield { ...entry, body };
      current = false;
      await bytes.skip(remaining + padding(dataSize));
    }
  } finally {
    await bytes.close();
  }
}
