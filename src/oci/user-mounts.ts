// Which mounts of a runtime config are the user's (-v, --mount, --volumes-from), in docker's
// MountPoint shape: what `inspect` lists under Mounts and what --volumes-from copies. Pure: the
// container's state dir and the volume store's root are passed in. The generated /etc files,
// devices, the --init binary and tmpfs mounts are not user mount points (docker lists tmpfs
// under HostConfig.Tmpfs, and --volumes-from does not share them either).
import type { OciMount, RuntimeConfig } from './types.js';
import { INIT_PATH } from './generate.js';

export interface MountPoint {
  Type: 'bind' | 'volume';
  /** Volumes only: the volume's name (a 64-hex one for an anonymous volume). */
  Name?: string;
  /** The host directory: a bind's source, or the volume's _data directory. */
  Source: string;
  Destination: string;
  /** Volumes only: docker's local driver. */
  Driver?: 'local';
  Mode: string;
  RW: boolean;
  /** Binds only: rprivate unless asked; docker prints "" for volumes. */
  Propagation: string;
  /** Binds only: whether submounts of the source come along (rbind). */
  Recursive?: boolean;
}

export interface MountWhere {
  stateDir: string;
  /** The volume store's root (volumes/), each volume at <root>/<name>/_data. */
  volumesRoot: string;
}

function isUserMount(m: OciMount, where: MountWhere): boolean {
  if (m.type !== 'bind') return false;
  if (m.source.startsWith(where.stateDir + '/') || m.destination === INIT_PATH) return false;
  // --device binds a host node at its own path under /dev (spec/security deviceMounts).
  return !(m.source.startsWith('/dev/') && m.destination.startsWith('/dev/'));
}

/** The user's mount points of `config`, in the order they are mounted. */
export function userMountPoints(config: RuntimeConfig | undefined, where: MountWhere): MountPoint[] {
  const prefix = where.volumesRoot.replace(/\/+$/, '') + '/';
  return (config?.mounts ?? [])
    .filter((m) => isUserMount(m, where))
    .map((m): MountPoint => {
      const rw = !m.options.includes('ro');
      const rest = m.source.startsWith(prefix) ? m.source.slice(prefix.length).split('/') : [];
      if (rest.length === 2 && rest[1] === '_data') {
        return { Type: 'volume', Name: rest[0]!, Source: m.source, Destination: m.destination, Driver: 'local', Mode: rw ? '' : 'ro', RW: rw, Propagation: '' };
      }
      return {
        Type: 'bind',
        Source: m.source,
        Destination: m.destination,
        Mode: rw ? '' : 'ro',
        RW: rw,
        Propagation: m.options.find((o) => /^r?(private|shared|slave)$/.test(o)) ?? 'rprivate',
        Recursive: !m.options.includes('bind'),
      };
    });
}
