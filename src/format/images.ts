// `sandbox images`: the rows docker prints for the image records (one per repository:tag, with
// <none> for untagged and digest-only images), docker's filters, and its default table.
// Pure: records, their labels and the time in; rows and text out.
import { UsageError } from '../errors.js';
import type { ImageRecord } from '../image/image-index.js';
import { parseReference } from '../image/reference.js';
import { goTimeString, humanSize, timeAgo } from './units.js';
import { renderRows, type TableSpec } from './template.js';

/** One line of `images`, with docker's field names (what --format templates see). */
export interface ImageRow {
  Containers: string;
  CreatedAt: string;
  CreatedSince: string;
  Digest: string;
  ID: string;
  Repository: string;
  SharedSize: string;
  Size: string;
  Tag: string;
  UniqueSize: string;
  VirtualSize: string;
}

export const imagesTable: TableSpec = {
  defaultTable: '{{.Repository}}\t{{.Tag}}\t{{.ID}}\t{{.CreatedSince}}\t{{.Size}}',
  headers: {
    Repository: 'REPOSITORY',
    Tag: 'TAG',
    ID: 'IMAGE ID',
    Digest: 'DIGEST',
    CreatedSince: 'CREATED',
    CreatedAt: 'CREATED AT',
    Size: 'SIZE',
    Containers: 'CONTAINERS',
    SharedSize: 'SHARED SIZE',
    UniqueSize: 'UNIQUE SIZE',
    VirtualSize: 'SIZE',
  },
};

export const imagesTableWithDigests = '{{.Repository}}\t{{.Tag}}\t{{.Digest}}\t{{.ID}}\t{{.CreatedSince}}\t{{.Size}}';

/** Bytes of an image: its layers' uncompressed tars, shared ones counted in each image (docker's SIZE). */
export function imageSize(r: ImageRecord): number {
  return r.layers.reduce((n, l) => n + l.size, 0);
}

/** docker's short id: 12 hex digits without the algorithm. */
export function shortImageId(id: string): string {
  return id.replace(/^sha256:/, '').slice(0, 12);
}

export interface RowOptions {
  digests: boolean;
  noTrunc: boolean;
  now: Date;
}

/** The repository (familiar) and tag or digest of a canonical reference. */
function splitName(canonical: string): { repo: string; tag?: string; digest?: string } {
  const ref = parseReference(canonical);
  const repo = ref.familiar.replace(/@.*$/, '').replace(/:[^:/]+$/, '');
  return { repo, ...(ref.tag !== undefined ? { tag: ref.tag } : {}), ...(ref.digest !== undefined ? { digest: ref.digest } : {}) };
}

/** docker's rows for one image: a row per tag; digest-only repositories get a <none> tag. */
export function rowsOf(r: ImageRecord, opts: RowOptions): ImageRow[] {
  const created = new Date(r.created);
  const base = {
    Containers: 'N/A',
    CreatedAt: goTimeString(created),
    CreatedSince: timeAgo(created, opts.now),
    ID: opts.noTrunc ? r.id : shortImageId(r.id),
    SharedSize: 'N/A',
    Size: humanSize(imageSize(r), 3),
    UniqueSize: 'N/A',
    VirtualSize: humanSize(imageSize(r), 3),
  };
  const row = (repo: string, tag: string, digest: string): ImageRow => ({
    Containers: base.Containers,
    CreatedAt: base.CreatedAt,
    CreatedSince: base.CreatedSince,
    Digest: digest,
    ID: base.ID,
    Repository: repo,
    SharedSize: base.SharedSize,
    Size: base.Size,
    Tag: tag,
    UniqueSize: base.UniqueSize,
    VirtualSize: base.VirtualSize,
  });
  const tags = new Map<string, string[]>();
  const digests = new Map<string, string[]>();
  for (const n of r.names) {
    const s = splitName(n);
    if (s.tag !== undefined) tags.set(s.repo, [...(tags.get(s.repo) ?? []), s.tag]);
  }
  for (const n of r.repoDigests ?? []) {
    const s = splitName(n);
    if (s.digest !== undefined) digests.set(s.repo, [...(digests.get(s.repo) ?? []), s.digest]);
  }
  if (tags.size === 0 && digests.size === 0) return [row('<none>', '<none>', '<none>')];
  const rows: ImageRow[] = [];
  for (const repo of [...tags.keys()].sort()) {
    const ds = opts.digests ? (digests.get(repo) ?? []) : [];
    digests.delete(repo);
    for (const tag of tags.get(repo)!.sort()) {
      if (ds.length === 0) rows.push(row(repo, tag, '<none>'));
      else for (const d of ds) rows.push(row(repo, tag, d));
    }
  }
  for (const repo of [...digests.keys()].sort()) {
    if (opts.digests) for (const d of digests.get(repo)!) rows.push(row(repo, '<none>', d));
    else rows.push(row(repo, '<none>', ''));
  }
  return rows;
}

// ---- filters ------------------------------------------------------------------------------

/** Go's path.Match: `*` and `?` never match `/`, `[...]` classes, `\` escapes. */
export function pathMatch(pattern: string, name: string): boolean {
  let re = '^';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    if (c === '*') re += '[^/]*';
    else if (c === '?') re += '[^/]';
    else if (c === '\\' && i + 1 < pattern.length) re += `\\${pattern[++i]}`;
    else if (c === '[') {
      const end = pattern.indexOf(']', i + 2);
      if (end === -1) return false;
      let cls = pattern.slice(i + 1, end);
      if (cls.startsWith('^')) cls = '^' + cls.slice(1).replace(/\\/g, '\\\\');
      else cls = cls.replace(/\\/g, '\\\\');
      re += `[${cls}]`;
      i = end;
    } else re += c.replace(/[.+^${}()|\]]/g, '\\$&');
  }
  try {
    return new RegExp(re + '$').test(name);
  } catch {
    return false;
  }
}

export interface ImageFilters {
  reference: string[];
  dangling?: boolean;
  label: string[];
  before?: string;
  since?: string;
}

/** `--filter key=value` words into filters; an unknown key is docker's "invalid filter". */
export function parseImageFilters(words: readonly string[]): ImageFilters {
  const f: ImageFilters = { reference: [], label: [] };
  for (const w of words) {
    const eq = w.indexOf('=');
    if (eq <= 0) throw new UsageError(`bad format of filter (expected name=value): ${w}`);
    const key = w.slice(0, eq).toLowerCase();
    const value = w.slice(eq + 1);
    switch (key) {
      case 'reference':
        f.reference.push(value);
        break;
      case 'dangling':
        if (value !== 'true' && value !== 'false' && value !== '1' && value !== '0') throw new UsageError(`invalid filter 'dangling=${value}': use dangling=true or dangling=false`);
        f.dangling = value === 'true' || value === '1';
        break;
      case 'label':
        f.label.push(value);
        break;
      case 'before':
        f.before = value;
        break;
      case 'since':
        f.since = value;
        break;
      default:
        throw new UsageError(`invalid filter '${key}'; images can be filtered by reference, dangling, label, before and since`);
    }
  }
  return f;
}

/** Does a familiar reference match a reference= pattern (against name:tag or the name alone)? */
export function referenceMatches(pattern: string, canonical: string): boolean {
  const ref = parseReference(canonical);
  const name = ref.familiar.replace(/@.*$/, '').replace(/:[^:/]+$/, '');
  return pathMatch(pattern, ref.familiar) || pathMatch(pattern, name);
}

/** `key` or `key=value` against an image's labels. */
function labelMatches(filter: string, labels: Record<string, string>): boolean {
  const eq = filter.indexOf('=');
  if (eq === -1) return filter in labels;
  return labels[filter.slice(0, eq)] === filter.slice(eq + 1);
}

/**
 * Apply the filters. With reference patterns only the matching names stay on an image (docker
 * shows only the matching tags), and an image with none left is dropped. `labelsOf` gives an
 * image's config labels; `createdOf` resolves before=/since= images to their creation time.
 */
export function filterImages(
  records: readonly ImageRecord[],
  f: ImageFilters,
  labelsOf: (r: ImageRecord) => Record<string, string>,
  createdOf: (refOrId: string) => string,
): ImageRecord[] {
  const before = f.before !== undefined ? Date.parse(createdOf(f.before)) : undefined;
  const since = f.since !== undefined ? Date.parse(createdOf(f.since)) : undefined;
  const out: ImageRecord[] = [];
  for (const r of records) {
    const dangling = r.names.length === 0;
    if (f.dangling !== undefined && f.dangling !== dangling) continue;
    if (f.label.length > 0 && !f.label.every((l) => labelMatches(l, labelsOf(r)))) continue;
    const t = Date.parse(r.created);
    if (before !== undefined && !(t < before)) continue;
    if (since !== undefined && !(t > since)) continue;
    if (f.reference.length > 0) {
      const names = r.names.filter((n) => f.reference.some((p) => referenceMatches(p, n)));
      const digests = (r.repoDigests ?? []).filter((n) => f.reference.some((p) => referenceMatches(p, n)));
      if (names.length === 0 && digests.length === 0) continue;
      out.push({ ...r, names, repoDigests: digests });
      continue;
    }
    out.push(r);
  }
  return out;
}

/** Newest first, as docker lists them. */
export function sortForListing(records: readonly ImageRecord[]): ImageRecord[] {
  return [...records].sort((a, b) => Date.parse(b.created) - Date.parse(a.created) || a.id.localeCompare(b.id));
}

export interface ImagesOutputOptions extends RowOptions {
  quiet: boolean;
  format?: string | undefined;
}

/** The whole output of `images`. */
export function formatImages(records: readonly ImageRecord[], opts: ImagesOutputOptions): string {
  const rows = sortForListing(records).flatMap((r) => rowsOf(r, opts));
  if (opts.quiet) return rows.map((r) => `${r.ID}\n`).join('');
  const format = opts.format === undefined || opts.format === '' ? 'table' : opts.format;
  const spec = opts.digests ? { ...imagesTable, defaultTable: imagesTableWithDigests } : imagesTable;
  return renderRows(format, rows, spec);
}
