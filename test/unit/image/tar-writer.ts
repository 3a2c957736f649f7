// A small tar writer for tests: builds archives in memory in ustar, GNU ('L'/'K' long names) or
// pax ('x' records) form, so the reader and the loader can be fed exactly the bytes a case needs.
export interface TarInput {
  path: string;
  /** '0' file (default), '1' hardlink, '2' symlink, '5' directory, or any raw flag. */
  type?: string;
  data?: Buffer | string;
  linkpath?: string;
  mode?: number;
}

export type TarFormat = 'ustar' | 'gnu' | 'pax';

function octal(value: number, width: number): string {
  return value.toString(8).padStart(width - 1, '0') + '\0';
}

/** One 512-byte header block with a correct checksum (unless `badChecksum`). */
export function headerBlock(
  h: { path: string; type: string; size: number; linkpath?: string; mode?: number; prefix?: string; gnu?: boolean },
  badChecksum = false,
): Buffer {
  const b = Buffer.alloc(512);
  b.write(h.path.slice(0, 100), 0, 'utf8');
  b.write(octal(h.mode ?? 0o644, 8), 100, 'latin1');
  b.write(octal(0, 8), 108, 'latin1');
  b.write(octal(0, 8), 116, 'latin1');
  b.write(octal(h.size, 12), 124, 'latin1');
  b.write(octal(0, 12), 136, 'latin1');
  b.write(h.type, 156, 'latin1');
  if (h.linkpath) b.write(h.linkpath.slice(0, 100), 157, 'utf8');
  if (h.gnu) b.write('ustar  \0', 257, 'latin1');
  else {
    b.write('ustar\0', 257, 'latin1');
    b.write('00', 263, 'latin1');
  }
  if (h.prefix) b.write(h.prefix, 345, 'utf8');
  b.fill(0x20, 148, 156);
  let sum = 0;
  for (const x of b) sum += x;
  b.write(octal(badChecksum ? sum + 1 : sum, 7) + ' ', 148, 'latin1');
  return b;
}

const pad = (n: number) => Buffer.alloc((512 - (n % 512)) % 512);

function withData(header: Buffer, data: Buffer): Buffer[] {
  return [header, data, pad(data.length)];
}

function paxRecord(key: string, value: string): string {
  const body = ` ${key}=${value}\n`;
  let len = body.length + 1;
  while (String(len).length + body.length !== len) len = String(len).length + body.length;
  return `${len}${body}`;
}

/** The blocks of one entry, including any GNU/pax metadata entries its long names need. */
export function entryBlocks(e: TarInput, format: TarFormat = 'ustar'): Buffer[] {
  const data = Buffer.from(e.data ?? '');
  const type = e.type ?? '0';
  const out: Buffer[] = [];
  let path = e.path;
  let linkpath = e.linkpath ?? '';
  let prefix: string | undefined;
  if (format === 'gnu') {
    if (path.length > 100) {
      const name = Buffer.from(path + '\0');
      out.push(...withData(headerBlock({ path: '././@LongLink', type: 'L', size: name.length, gnu: true }), name));
      path = path.slice(0, 100);
    }
    if (linkpath.length > 100) {
      const name = Buffer.from(linkpath + '\0');
      out.push(...withData(headerBlock({ path: '././@LongLink', type: 'K', size: name.length, gnu: true }), name));
      linkpath = linkpath.slice(0, 100);
    }
  } else if (format === 'pax') {
    let records = '';
    if (path.length > 100) records += paxRecord('path', path);
    if (linkpath.length > 100) records += paxRecord('linkpath', linkpath);
    if (records) {
      const rec = Buffer.from(records);
      out.push(...withData(headerBlock({ path: 'PaxHeaders/x', type: 'x', size: rec.length }), rec));
      path = path.slice(0, 100);
      linkpath = linkpath.slice(0, 100);
    }
  } else if (path.length > 100) {
    const cut = path.lastIndexOf('/', 155);
    prefix = path.slice(0, cut);
    path = path.slice(cut + 1);
  }
  const size = type === '0' ? data.length : 0;
  const h = headerBlock({ path, type, size, linkpath, mode: e.mode ?? (type === '5' ? 0o755 : 0o644), gnu: format === 'gnu', ...(prefix ? { prefix } : {}) });
  out.push(...(size > 0 ? withData(h, data) : [h]));
  return out;
}

/** A complete archive (with the two zero blocks that end it). */
export function makeTar(entries: TarInput[], format: TarFormat = 'ustar'): Buffer {
  return Buffer.concat([...entries.flatMap((e) => entryBlocks(e, format)), Buffer.alloc(1024)]);
}
