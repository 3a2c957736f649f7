// Completed spec -> runtime config for sandbox-monitor. Pure: paths and id maps come in.
import type { IdMaps } from '../runtime/idmap.js';
import type { CompletedSpec } from '../spec/types.js';
import { DEFAULT_MASKED_PATHS, DEFAULT_READONLY_PATHS, defaultMounts } from './defaults.js';
import type { RuntimeConfig } from './types.js';
import { join } from 'node:path';

export interface ContainerDirs {
  /** containers/<id> */
  stateDir: string;
}

export function containerLayout(stateDir: string) {
  return {
    config: join(stateDir, 'config.json'),
    state: join(stateDir, 'state.json'),
    upper: join(stateDir, 'upper'),
    work: join(stateDir, 'work'),
    merged: join(stateDir, 'merged'),
    pid: join(stateDir, 'pid'),
  };
}

export function toRuntimeConfig(c: CompletedSpec, dirs: ContainerDirs, maps: IdMaps): RuntimeConfig {
  const layout = containerLayout(dirs.stateDir);
  const caps = c.capabilities;
  return {
    ociVersion: '1.0.2',
    process: {
      terminal: c.spec.process.tty,
      user: { uid: c.user.uid, gid: c.user.gid, additionalGids: c.user.additionalGids },
      args: c.args,
      env: c.env,
      cwd: c.cwd,
      // Non-root users lose permitted/effective at execve unless ambient, exactly as with docker.
      capabilities: { bounding: caps, effective: caps, inheritable: [], permitted: caps, ambient: [] },
      noNewPrivileges: false,
      rlimits: [],
    },
    root: { path: layout.merged, readonly: c.spec.security.readOnly },
    hostname: c.hostname,
    mounts: defaultMounts(),
    linux: {
      uidMappings: maps.uidMappings,
      gidMappings: maps.gidMappings,
      namespaces: ['user', 'mount', 'pid', 'uts', 'ipc', 'network'].map((type) => ({ type })),
      maskedPaths: DEFAULT_MASKED_PATHS,
      readonlyPaths: DEFAULT_READONLY_PATHS,
    },
    annotations: { 'io.sandbox.image': c.imageName, 'io.sandbox.image.id': c.imageId },
    sandbox: {
      // overlay wants the top-most lower layer first.
      rootfs: { driver: 'overlay', lowerdirs: [...c.layerDirs].reverse(), upperdir: layout.upper, workdir: layout.work },
      stateDir: dirs.stateDir,
      pidFile: layout.pid,
    },
  };
}
