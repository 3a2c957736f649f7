// Running the real sandbox-monitor modes from tests: each test gets its own sandbox directory
// (DEST, an `outside` directory with a victim file, a `missing` path), removed afterwards
// through `rmtree` because what the unpacker makes belongs to subordinate ids.
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ExecutionContext } from 'ava';
import { currentIdMaps, formatIdMap } from '../../../src/runtime/idmap.js';
import { monitorPath } from '../../../src/runtime/paths.js';
import { parseNativeMessage, type NativeMessage } from '../../../src/runtime/protocol.js';

export interface MonitorRun {
  status: number | null;
  messages: NativeMessage[];
  last: NativeMessage | undefined;
  stderr: string;
}

export function mapArgs(): string[] {
  const maps = currentIdMaps();
  return ['--uidmap', formatIdMap(maps.uidMappings), '--gidmap', formatIdMap(maps.gidMappings)];
}

function hostId(ranges: { containerID: number; hostID: number; size: number }[], id: number): number {
  for (const r of ranges) if (id >= r.containerID && id < r.containerID + r.size) return r.hostID + id - r.containerID;
  throw new Error(`id ${id} is not mapped`);
}

/** Host uid of a container uid under this user's maps. */
export const hostUid = (containerId: number): number => hostId(currentIdMaps().uidMappings, containerId);
/** Host gid of a container gid under this user's maps. */
export const hostGid = (containerId: number): number => hostId(currentIdMaps().gidMappings, containerId);

/** Runs a mode; `input` is a buffer or an open fd for stdin. */
export function runMonitor(args: string[], input?: Buffer | number): MonitorRun {
  const r = spawnSync(monitorPath(), args, {
    input: Buffer.isBuffer(input) ? input : undefined,
    stdio: [typeof input === 'number' ? input : 'pipe', 'pipe', 'pipe'],
    maxBuffer: 64 << 20,
    timeout: 60_000,
  });
  // A refused archive is abandoned at its first bad header: EPIPE on the rest is expected.
  if (r.error && (r.error as NodeJS.ErrnoException).code !== 'EPIPE') throw r.error;
  const lines = r.stdout.toString('utf8').split('\n').filter((l) => l.trim() !== '');
  const messages = lines.map(parseNativeMessage);
  return { status: r.status, messages, last: messages.at(-1), stderr: r.stderr.toString('utf8') };
}

export function unpack(dest: string, tar: Buffer | number): MonitorRun {
  return runMonitor(['unpack', ...mapArgs(), dest], tar);
}

export function rmtree(...paths: string[]): MonitorRun {
  return runMonitor(['rmtree', ...mapArgs(), ...paths]);
}

export interface Sandbox {
  base: string;
  dest: string;
  /** An existing host directory next to DEST holding `victim` ("original"). */
  outside: string;
  /** A host path that must never come to exist. */
  missing: string;
}

export function makeSandbox(t: ExecutionContext): Sandbox {
  const base = mkdtempSync(join(tmpdir(), 'sandbox-native-'));
  const s = { base, dest: join(base, 'dest'), outside: join(base, 'outside'), missing: join(base, 'missing') };
  mkdirSync(s.dest);
  mkdirSync(s.outside);
  writeFileSync(join(s.outside, 'victim'), 'original');
  t.teardown(() => {
    const r = rmtree(base);
    if (r.status !== 0) t.log(`cleanup of ${base} failed: ${JSON.stringify(r.last)}`);
  });
  return s;
}

/** The host around DEST is as makeSandbox left it. */
export function hostUntouched(t: ExecutionContext, s: Sandbox): void {
  t.deepEqual(readdirSync(s.base).sort(), ['dest', 'outside'], 'nothing appeared next to DEST');
  t.deepEqual(readdirSync(s.outside), ['victim'], 'nothing appeared in the outside directory');
  t.is(readFileSync(join(s.outside, 'victim'), 'utf8'), 'original', 'the victim file is unchanged');
}

export function errorOf(r: MonitorRun): { step: string; message: string } | undefined {
  return r.last?.type === 'error' ? r.last : undefined;
}
