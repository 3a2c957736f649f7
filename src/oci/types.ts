// The runtime config: OCI-runtime-spec shaped, plus our `sandbox` extension
// (docs/native-interface.md). Only fields the native side reads are typed.
export interface OciMount {
  destination: string;
  type: string;
  source: string;
  options: string[];
}

export interface OciIdMapping {
  containerID: number;
  hostID: number;
  size: number;
}

export interface OciRlimit {
  type: string;
  hard: number;
  soft: number;
}

export interface RuntimeConfig {
  ociVersion: string;
  process: {
    terminal: boolean;
    user: { uid: number; gid: number; additionalGids: number[] };
    args: string[];
    env: string[];
    cwd: string;
    capabilities: { bounding: string[]; effective: string[]; inheritable: string[]; permitted: string[]; ambient: string[] };
    noNewPrivileges: boolean;
    rlimits: OciRlimit[];
  };
  root: { path: string; readonly: boolean };
  hostname: string;
  mounts: OciMount[];
  linux: {
    uidMappings: OciIdMapping[];
    gidMappings: OciIdMapping[];
    namespaces: { type: string }[];
    maskedPaths: string[];
    readonlyPaths: string[];
  };
  annotations: Record<string, string>;
  sandbox: {
    rootfs: { driver: 'overlay'; lowerdirs: string[]; upperdir: string; workdir: string };
    stateDir: string;
    pidFile: string;
  };
}
