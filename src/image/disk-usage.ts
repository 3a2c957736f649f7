// `system df`: what images and containers hold on disk, as docker's columns count it. Images:
// every unpacked layer once however many images share it; reclaimable is what no image in use
// by a container needs. Containers: their writable layers (upper/); reclaimable is what
// stopped ones hold. Volumes and build cache: sandbox has neither yet, so zero.
import { lstat, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { humanSize } from '../format/units.js';
import type { ContainerRecord } from '../state/containers.js';
import type { ImageRecord } from './image-index.js';

export interface UsageRow {
  Type: string;
  TotalCount: number;
  Active: number;
  Size: string;
  Reclaimable: string;
}

export interface UsageCounts {
  total: number;
  active: number;
  size: number;
  reclaimable: number;
}

/**
 * Images' numbers from the records (layer sizes are the unpacked tars' bytes). Pure.
 * `shifted`: bytes of --userns=keep-id's id-shifted copies by chain id (storage/shifted-layers),
 * counted with their layer: in use when it is, reclaimed with it.
 */
export function imageUsage(images: readonly ImageRecord[], containers: readonly ContainerRecord[], shifted: ReadonlyMap<string, number> = new Map()): UsageCounts {
  const used = new Set(containers.map((c) => c.imageId));
  const all = new Map<string, number>();
  const active = new Map<string, number>();
  for (const img of images) {
    for (const l of img.layers) {
      const size = l.size + (shifted.get(l.chainId) ?? 0);
      all.set(l.chainId, size);
      if (used.has(img.id)) active.set(l.chainId, size);
    }
  }
  const sum = (m: Map<string, number>) => [...m.values()].reduce((a, b) => a + b, 0);
  const size = sum(all);
  return { total: images.length, active: images.filter((i) => used.has(i.id)).length, size, reclaimable: size - sum(active) };
}

/** Bytes under `dir` that this user can see; unreadable corners (subordinate-owned) are skipped. */
export async function treeSize(dir: string): Promise<number> {
  let total = 0;
  const stack = [dir];
  while (stack.length > 0) {
    const d = stack.pop()!;
    let names: string[];
    try {
      names = await readdir(d);
    } catch {
      continue;
    }
    for (const n of names) {
      const p = join(d, n);
      try {
        const st = await lstat(p);
        if (st.isDirectory()) stack.push(p);
        else if (st.isFile()) total += st.size;
      } catch {
        /* vanished or unreadable */
      }
    }
  }
  return total;
}

/** Containers' numbers; `sizeOf` measures a container's writable layer. */
export async function containerUsage(containers: readonly ContainerRecord[], sizeOf: (c: ContainerRecord) => Promise<number>): Promise<UsageCounts> {
  let size = 0;
  let reclaimable = 0;
  for (const c of containers) {
    const s = await sizeOf(c);
    size += s;
    if (c.status !== 'running') reclaimable += s;
  }
  return { total: containers.length, active: containers.filter((c) => c.status === 'running').length, size, reclaimable };
}

/** docker's RECLAIMABLE text: `1.2MB (40%)`, the percentage only when there is something at all. */
export function reclaimableText(u: UsageCounts, withPercent = true): string {
  if (!withPercent || u.size <= 0) return humanSize(u.reclaimable);
  return `${humanSize(u.reclaimable)} (${Math.trunc((u.reclaimable * 100) / u.size)}%)`;
}

export function usageRows(images: UsageCounts, containers: UsageCounts): UsageRow[] {
  const row = (Type: string, u: UsageCounts, percent = true): UsageRow => ({
    Type,
    TotalCount: u.total,
    Active: u.active,
    Size: humanSize(u.size),
    Reclaimable: reclaimableText(u, percent),
  });
  const none: UsageCounts = { total: 0, active: 0, size: 0, reclaimable: 0 };
  return [row('Images', images), row('Containers', containers), row('Local Volumes', none), row('Build Cache', none, false)];
}

export const dfTable = {
  defaultTable: '{{.Type}}\t{{.TotalCount}}\t{{.Active}}\t{{.Size}}\t{{.Reclaimable}}',
  headers: { Type: 'TYPE', TotalCount: 'TOTAL', Active: 'ACTIVE', Size: 'SIZE', Reclaimable: 'RECLAIMABLE' },
};
