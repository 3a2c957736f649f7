// Writing tar archives (save): ustar headers, regular files streamed from the store and
// directories. Names longer than ustar's 100 bytes go in a pax header. Deterministic: fixed
// owner, mode and time, so saving the same images twice gives the same bytes.

const BLOCK = 512;

export interface TarFile {
  name: string;
  size: number;
  /** The file's bytes; exactly `size` of them. */
  data: () => AsyncIterable<Uint8Array>;
}

export interface TarDir {
  name: string;
  dir: true;
}

export type TarMember = TarFile | TarDir;

function octal(value: number, width: number): string {
  return value.toString(8).padStart(width - 1, '0') + '\0';
}

function header(name: string, size: number, type: '0' | '5' | 'x', mode: number): Buffer {
  const b = Buffer.alloc(BLOCK);
  b.write(name, 0, 100, 'utf8');
  b.write(octal(mode, 8), 100, 'latin1');
  b.write(octal(0, 8), 108, 'latin1');
  b.write(octal(0, 8), 116, 'latin1');
  b.write(octal(size, 12), 124, 'latin1');
  b.write(octal(0, 12), 136, 'latin1');
  b.fill(0x20, 148, 156);
  b.write(type, 156, 'latin1');
  b.write('ustar\0', 257, 'latin1');
  b.write('00', 263, 'latin1');
  let sum = 0;
  for (const byte of b) sum += byte;
  b.write(octal(sum, 7), 148, 'latin1');
  b[155] = 0x20;
  return b;
}

/** pax record "LEN key=value\n", LEN counting its own digits too. */
function paxRecord(key: string, value: string): string {
  const body = ` ${key}=${value}\n`;
  const bodyLen = Buffer.byteLength(body);
  let len = bodyLen + String(bodyLen).length;
  while (String(len).length + bodyLen !== len) len = String(len).length + bodyLen;
  return `${len}${body}`;
}

const pad = (size: number) => Buffer.alloc((BLOCK - (size % BLOCK)) % BLOCK);

function headersFor(name: string, size: number, type: '0' | '5', mode: number): Buffer[] {
  if (Buffer.byteLength(name) <= 100 && size < 8 ** 11) return [header(name, size, type, mode)];
  // A pax extended header carries the long name (and a size too big for 11 octal digits).
  let records = Buffer.byteLength(name) > 100 ? paxRecord('path', name) : '';
  if (size >= 8 ** 11) records += paxRecord('size', String(size));
  const data = Buffer.from(records);
  return [header('PaxHeader', data.length, 'x', 0o644), data, pad(data.length), header(name.slice(0, 100), size >= 8 ** 11 ? 0 : size, type, mode)];
}

/** The tar stream of `members`, end-of-archive blocks included. */
export async function* tarStream(members: AsyncIterable<TarMember> | Iterable<TarMember>): AsyncGenerator<Buffer> {
  for await (const m of members) {
    if ('dir' in m) {
      yield* headersFor(m.name.endsWith('/') ? m.name : `${m.name}/`, 0, '5', 0o755);
      continue;
    }
    yield* headersFor(m.name, m.size, '0', 0o644);
    let written = 0;
    for await (const chunk of m.data()) {
      written += chunk.length;
      if (written > m.size) throw new Error(`tar member ${m.name} is longer than the ${m.size} bytes its header gives`);
      yield Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk);
    }
    if (written !== m.size) throw new Error(`tar member ${m.name} has ${written} bytes, its header gives ${m.size}`);
    yield pad(m.size);
  }
  yield Buffer.alloc(BLOCK * 2);
}
