// `sandbox ps`: docker's rows, status strings, filters and table (pure; `now` passed in).
import { formatPortsColumn } from '../network/ports-format.js';
import type { ContainerRecord } from '../state/containers.js';
import { UsageError } from '../errors.js';
import { renderRows, type TableSpec } from './template.js';
import { humanDuration, humanSize, timeAgo, goTimeString } from './units.js';

export interface PsRow {
  ID: string;
  Image: string;
  Command: string;
  CreatedAt: string;
  RunningFor: string;
  Ports: string;
  State: string;
  Status: string;
  Size: string;
  Names: string;
  Labels: string;
  Mounts: string;
  Networks: string;
  LocalVolumes: string;
}

export const psTable: TableSpec = {
  defaultTable: '{{.ID}}\t{{.Image}}\t{{.Command}}\t{{.RunningFor}}\t{{.Status}}\t{{.Ports}}\t{{.Names}}',
  headers: {
    ID: 'CONTAINER ID',
    Image: 'IMAGE',
    Command: 'COMMAND',
    CreatedAt: 'CREATED AT',
    RunningFor: 'CREATED',
    Ports: 'PORTS',
    State: 'STATE',
    Status: 'STATUS',
    Size: 'SIZE',
    Names: 'NAMES',
    Labels: 'LABELS',
    Mounts: 'MOUNTS',
    Networks: 'NETWORKS',
    LocalVolumes: 'LOCAL VOLUMES',
  },
};

/** docker's Ellipsis: at most `max` characters, the last one `…` when cut. */
export function ellipsis(s: string, max: number): string {
  const chars = [...s];
  return chars.length <= max ? s : chars.slice(0, max - 1).join('') + '…';
}

/** Go's strconv.Quote for the printable text a command line is. */
function goQuote(s: string): string {
  return JSON.stringify(s);
}

/** The STATUS column: `Up 2 seconds`, `Exited (3) 5 seconds ago`, `Created`, `Dead`. */
export function statusText(rec: ContainerRecord, now: Date, health: string | undefined = healthText(rec)): string {
  switch (rec.status) {
    case 'running': {
      if (rec.restarting) return `Restarting (${rec.exitCode ?? 0}) ${rec.finishedAt ? timeAgo(new Date(rec.finishedAt), now) : ''}`.trimEnd();
      const since = rec.startedAt ? now.getTime() - Date.parse(rec.startedAt) : 0;
      return `Up ${humanDuration(Math.max(0, since))}${health ? ` (${health})` : ''}`;
    }
    case 'exited':
      if (!rec.startedAt) return 'Created';
      return `Exited (${rec.exitCode ?? 0}) ${rec.finishedAt ? timeAgo(new Date(rec.finishedAt), now) : ''}`.trimEnd();
    case 'dead':
      return 'Dead';
    case 'removing':
      return 'Removal In Progress';
    default:
      return 'Created';
  }
}

/** What STATUS says about health: `healthy`, `unhealthy`, `health: starting`. */
function healthText(rec: ContainerRecord): string | undefined {
  const s = rec.health?.Status;
  return s === undefined ? undefined : s === 'starting' ? 'health: starting' : s;
}

/** docker's State field: created, running, exited, dead, removing. */
export function stateText(rec: ContainerRecord): string {
  if (rec.status === 'running' && rec.restarting) return 'restarting';
  return rec.status === 'exited' && !rec.startedAt ? 'created' : rec.status;
}

/** A container's disk use: its writable layer, and the image under it (ps -s). */
export interface ContainerSize {
  rw: number;
  image: number;
}

/** docker's SIZE column: `0B (virtual 4.26MB)`. */
export function sizeText(s: ContainerSize): string {
  return `${humanSize(s.rw, 3)} (virtual ${humanSize(s.rw + s.image, 3)})`;
}

/** Does a --format template ask for the networks (then each container's config is read)? */
export function formatWantsNetworks(format: string | undefined): boolean {
  return format !== undefined && (/\.Networks\b/.test(format) || /^\s*(json|\{\{\s*json\s+\.\s*\}\})\s*$/.test(format));
}

/** Does a --format template ask for the size (docker then measures, as with -s)? */
export function formatWantsSize(format: string | undefined): boolean {
  return format !== undefined && /\.Size\b/.test(format);
}

export function psRow(rec: ContainerRecord, now: Date, trunc: boolean, size?: ContainerSize, networks: readonly NetworkRef[] = []): PsRow {
  const command = rec.command.join(' ');
  return {
    ID: trunc ? rec.id.slice(0, 12) : rec.id,
    Image: rec.image,
    Command: goQuote(trunc ? ellipsis(command, 20) : command),
    CreatedAt: goTimeString(new Date(rec.created)),
    RunningFor: timeAgo(new Date(rec.created), now),
    // docker shows a container's ports only while it runs (they are released when it stops).
    Ports: rec.status === 'running' ? formatPortsColumn(rec.ports ?? []) : '',
    State: stateText(rec),
    Status: statusText(rec, now),
    Size: size ? sizeText(size) : '',
    Names: rec.name,
    Labels: '',
    Mounts: '',
    Networks: networks.map((n) => n.name).join(','),
    LocalVolumes: '0',
  };
}

/** A network a container is on (src/network/builtin.ts containerNetworks). */
export interface NetworkRef {
  name: string;
  id: string;
}

export interface PsFilter {
  key: string;
  value: string;
}

const FILTER_KEYS = ['ancestor', 'name', 'id', 'status', 'label', 'exited', 'health', 'before', 'since', 'network'];
const STATUSES = ['created', 'restarting', 'running', 'removing', 'paused', 'exited', 'dead'];

export function parsePsFilters(words: readonly string[]): PsFilter[] {
  return words.map((w) => {
    const eq = w.indexOf('=');
    if (eq <= 0) throw new UsageError(`bad format of filter (expected name=value)`);
    const key = w.slice(0, eq).toLowerCase();
    const value = w.slice(eq + 1);
    if (!FILTER_KEYS.includes(key)) throw new UsageError(`invalid filter '${key}'`);
    if (key === 'status' && !STATUSES.includes(value)) {
      throw new UsageError(`invalid filter 'status=${value}': must be one of ${STATUSES.join(', ')}`);
    }
    if (key === 'exited' && !/^-?\d+$/.test(value)) throw new UsageError(`invalid filter 'exited=${value}'`);
    return { key, value };
  });
}

/** Context a filter needs beyond the record: image ids for `ancestor`, other records for before/since. */
export interface FilterContext {
  /** Does `ancestor` (a name, name:tag, or id prefix) denote this container's image? */
  ancestorMatches(ancestor: string, rec: ContainerRecord): boolean;
  all: readonly ContainerRecord[];
  /** The networks of each container, by id (read only when a filter or the format needs them). */
  networks?: ReadonlyMap<string, readonly NetworkRef[]>;
}

function matchesOne(rec: ContainerRecord, f: PsFilter, ctx: FilterContext): boolean {
  switch (f.key) {
    case 'ancestor':
      return ctx.ancestorMatches(f.value, rec);
    case 'name':
      return new RegExp(f.value).test(rec.name);
    case 'id':
      return rec.id.startsWith(f.value);
    case 'status':
      return stateText(rec) === f.value;
    case 'exited':
      return rec.status === 'exited' && !!rec.startedAt && (rec.exitCode ?? 0) === Number(f.value);
    case 'label':
      return false; // labels are issue 4's (--label); no container carries one yet
    case 'health':
      return (rec.health?.Status ?? 'none') === f.value;
    case 'network':
      // docker: the network's name exactly, or a prefix of its id.
      return (ctx.networks?.get(rec.id) ?? []).some((n) => n.name === f.value || n.id.startsWith(f.value));
    case 'before':
    case 'since': {
      const other = ctx.all.find((c) => c.id === f.value || c.name === f.value || c.id.startsWith(f.value));
      if (!other) return false;
      return f.key === 'before' ? rec.created < other.created : rec.created > other.created;
    }
    default:
      return true;
  }
}

/** docker: values of one key are ORed, different keys ANDed. */
export function filterContainers(recs: readonly ContainerRecord[], filters: readonly PsFilter[], ctx: FilterContext): ContainerRecord[] {
  const byKey = new Map<string, PsFilter[]>();
  for (const f of filters) byKey.set(f.key, [...(byKey.get(f.key) ?? []), f]);
  return recs.filter((r) => [...byKey.values()].every((group) => group.some((f) => matchesOne(r, f, ctx))));
}

export interface PsOutputOptions {
  quiet: boolean;
  noTrunc: boolean;
  format?: string | undefined;
  /** -s: measured sizes by container id; the default table gains docker's SIZE column. */
  sizes?: ReadonlyMap<string, ContainerSize> | undefined;
  /** The NETWORKS column's names by container id. */
  networks?: ReadonlyMap<string, readonly NetworkRef[]> | undefined;
}

export function formatPs(recs: readonly ContainerRecord[], opts: PsOutputOptions, now: Date): string {
  const rows = recs.map((r) => psRow(r, now, !opts.noTrunc, opts.sizes?.get(r.id), opts.networks?.get(r.id)));
  if (opts.quiet) return rows.map((r) => `${r.ID}\n`).join('');
  const withSize = opts.sizes ? `table ${psTable.defaultTable}\t{{.Size}}` : 'table';
  const format = opts.format === undefined || opts.format === '' ? withSize : opts.format;
  return renderRows(format, rows, psTable);
}
