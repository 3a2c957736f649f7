// --volumes-from CONTAINER[:ro|:rw]: the other container's volumes and binds, mounted at the
// same targets (docker's). Parsing and merging are pure; volumesFromMounts reads the source
// container's runtime config, whatever its state (created, running or exited, as docker).
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { SpecError } from '../errors.js';
import { containerLayout } from '../oci/generate.js';
import type { RuntimeConfig } from '../oci/types.js';
import { userMountPoints, type MountPoint } from '../oci/user-mounts.js';
import type { ContainerStore } from '../state/containers.js';
import type { MountRequest } from './mounts.js';

export interface VolumesFrom {
  container: string;
  /** 'ro' makes every mount read-only; 'rw' (the default) keeps each mount's own mode. */
  mode: 'ro' | 'rw';
}

/** `CONTAINER[:MODE]`, MODE a comma list of ro/rw and the label modes z/Z (docker's set). */
export function parseVolumesFrom(value: string): VolumesFrom {
  const colon = value.indexOf(':');
  const container = colon < 0 ? value : value.slice(0, colon);
  if (!container) throw new SpecError(`invalid value "${value}" for --volumes-from: volumes-from specification cannot be an empty string`);
  let mode: 'ro' | 'rw' = 'rw';
  if (colon >= 0) {
    for (const m of value.slice(colon + 1).split(',')) {
      if (m === 'ro' || m === 'rw') mode = m;
      // Propagation and nocopy stay the source's, as docker: anything else is refused.
      else if (m !== 'z' && m !== 'Z') throw new SpecError(`invalid mode: ${m} (in --volumes-from ${value}): use ro or rw`);
    }
  }
  return { container, mode };
}

/** One of the source's mount points as a request of the new container. Pure. */
export function requestFrom(p: MountPoint, mode: 'ro' | 'rw'): MountRequest {
  // :rw can't make a read-only mount writable: docker keeps the source's ro.
  const readonly = mode === 'ro' || !p.RW;
  if (p.Type === 'volume') return { type: 'volume', source: p.Name, target: p.Destination, readonly, nocopy: true };
  return { type: 'bind', source: p.Source, target: p.Destination, readonly, propagation: p.Propagation, recursive: p.Recursive ?? true, createSource: false };
}

/**
 * The container's own mounts win at a target they share with an imported one, and a later
 * --volumes-from wins over an earlier one (docker's registerMountPoints). Pure.
 */
export function mergeVolumesFrom(own: MountRequest[], imported: MountRequest[]): MountRequest[] {
  const ownTargets = new Set(own.map((m) => m.target));
  const byTarget = new Map<string, MountRequest>();
  for (const m of imported) if (!ownTargets.has(m.target)) byTarget.set(m.target, m);
  return [...byTarget.values(), ...own];
}

/** Every --volumes-from value resolved to mount requests, in the order given. */
export async function volumesFromMounts(values: string[], store: ContainerStore, volumesRoot: string): Promise<MountRequest[]> {
  const out: MountRequest[] = [];
  for (const value of values) {
    const { container, mode } = parseVolumesFrom(value);
    const rec = await store.find(container);
    const dir = store.dir(rec.id);
    const config = await readFile(containerLayout(dir).config, 'utf8').then((t) => JSON.parse(t) as RuntimeConfig, () => undefined);
    if (!config) throw new SpecError(`--volumes-from ${value}: container ${rec.name} has no configuration yet (it is still being created)`);
    for (const p of userMountPoints(config, { stateDir: dir, volumesRoot })) out.push(requestFrom(p, mode));
  }
  return out;
}

export const volumesRootOf = (data: string) => join(data, 'volumes');
