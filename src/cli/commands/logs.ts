// `sandbox logs [-f] [-t] [--details] [-n N] [--since T] [--until T] CONTAINER`: the container's output from
// the log its monitor writes, stdout to stdout and stderr to stderr; -f follows until the
// container has stopped (its monitor gone), across a rotation.
import { open, stat } from 'node:fs/promises';
import type { CommandContext } from '../context.js';
import { parseCommandArgs } from '../parse.js';
import { logsOptions } from '../command-options.js';
import { findCommand } from '../command-table.js';
import { sandboxPaths } from '../../state/paths.js';
import { ContainerStore } from '../../state/containers.js';
import { gatherFacts } from '../../state/observe.js';
import { monitorFiles, readLogSettings } from '../../runtime/launch.js';
import { join } from 'node:path';
import { detailsPrefix, parseLogLines, parseLogTime, parseTail, renderRecord, selectRecords, type LogRecord } from '../../format/logs.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function readFrom(path: string, offset: number): Promise<{ text: string; end: number; ino: number }> {
  try {
    const fh = await open(path, 'r');
    try {
      const st = await fh.stat();
      if (st.size <= offset) return { text: '', end: st.size, ino: st.ino };
      const buf = Buffer.alloc(st.size - offset);
      const { bytesRead } = await fh.read(buf, 0, buf.length, offset);
      // Only whole lines: the monitor writes a record with one writev, but we may read mid-way.
      const text = buf.subarray(0, bytesRead).toString('utf8');
      const cut = text.lastIndexOf('\n') + 1;
      return { text: text.slice(0, cut), end: offset + Buffer.byteLength(text.slice(0, cut)), ino: st.ino };
    } finally {
      await fh.close();
    }
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { text: '', end: 0, ino: 0 };
    throw err;
  }
}

export async function command(args: string[], ctx: CommandContext): Promise<number> {
  const { options, positionals } = parseCommandArgs(logsOptions, args, 'logs', findCommand('logs'));
  const now = new Date();
  const sel = {
    since: options.since !== undefined ? parseLogTime(options.since, now) : undefined,
    until: options.until !== undefined ? parseLogTime(options.until, now) : undefined,
    tail: parseTail(options.tail ?? 'all'),
  };
  const store = new ContainerStore(sandboxPaths(ctx.env));
  const rec = await store.find(positionals[0]!);
  const files = monitorFiles(store.dir(rec.id));
  const log = await readLogSettings(join(store.dir(rec.id), 'config.json'));
  if (log?.driver === 'none') {
    // docker's answer for a driver it keeps nothing for (exit 1, as its daemon errors).
    ctx.stderr.write('sandbox: configured logging driver does not support reading\n');
    return 1;
  }
  const attrs = detailsPrefix(log?.attrs);

  const atStart = { stdout: true, stderr: true };
  const emit = (records: LogRecord[]) => {
    for (const r of records) {
      const out = r.stream === 'stdout' ? ctx.stdout : ctx.stderr;
      out.write(renderRecord(r, options.timestamps, atStart[r.stream], options.details, attrs));
      atStart[r.stream] = r.text.endsWith('\n');
    }
  };

  // Rotated files, oldest first (--log-opt max-file keeps ctr.log.1 .. ctr.log.N-1), then the current one.
  let older = '';
  for (let k = 1; ; k++) {
    const part = await readFrom(`${files.log}.${k}`, 0);
    if (part.ino === 0) break;
    older = part.text + older;
  }
  const cur = await readFrom(files.log, 0);
  emit(selectRecords(parseLogLines(older + cur.text), sel));
  if (!options.follow) return 0;

  // Follow: new records only, --until still applies; stop once the monitor has gone and the
  // file has nothing more.
  let offset = cur.end;
  let ino = cur.ino;
  const follow = { since: sel.since, until: sel.until };
  for (;;) {
    const alive = (await gatherFacts(await store.read(rec.id).catch(() => rec), store.dir(rec.id))).monitorAlive;
    const st = await stat(files.log).catch(() => undefined);
    if (st && st.ino !== ino) {
      // Rotated: finish the old file (now .1), then start the new one from its beginning.
      const rest = await readFrom(`${files.log}.1`, offset);
      emit(selectRecords(parseLogLines(rest.text), follow));
      offset = 0;
      ino = st.ino;
    }
    const next = await readFrom(files.log, offset);
    offset = next.end;
    emit(selectRecords(parseLogLines(next.text), follow));
    if (!alive && !next.text) return 0;
    if (sel.until !== undefined && BigInt(Date.now()) * 1_000_000n > sel.until) return 0;
    await sleep(100);
  }
}
