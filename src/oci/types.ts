// The runtime config: OCI-runtime-spec shaped, plus our `sandbox` extension
// (docs/native-interface.md). Only fields the native side reads are typed.
import type { NetworkRuntimeConfig } from '../network/runtime.js';
import type { CgroupPlacement } from '../cgroups/placement.js';
import type { OciSeccomp } from '../security/seccomp-profile.js';

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
    oomScoreAdj?: number;
  };
  root: { path: string; readonly: boolean };
  hostname: string;
  /** --domainname: set in the container's uts namespace; absent: none. */
  domainname?: string;
  mounts: OciMount[];
  linux: {
    uidMappings: OciIdMapping[];
    gidMappings: OciIdMapping[];
    /** With a path (/proc/PID/ns/TYPE): joined, not cloned (--pid/--ipc container:X). */
    namespaces: { type: string; path?: string }[];
    /** --sysctl: written under /proc/sys by the init before the command (namespaced ones only). */
    sysctl?: Record<string, string>;
    maskedPaths: string[];
    readonlyPaths: string[];
    /** Absent: no filter (--privileged, seccomp=unconfined). */
    seccomp?: OciSeccomp;
  };
  annotations: Record<string, string>;
  sandbox: {
    rootfs: {
      /** vfs: upperdir holds a full copy of the layers (made at create), bind-mounted as the root. */
      driver: 'overlay' | 'fuse-overlay' | 'vfs';
      lowerdirs: string[];
      upperdir: string;
      workdir: string;
      /**
       * fuse-overlay only: the maps the layers were unpacked with, when they differ from
       * linux.uidMappings (--userns=keep-id). The server then shows every file with its image
       * owner, remapping on the fly instead of copying the image (docs/storage.md).
       */
      /** keep-id: paths the CLI made (showing as uid:gid) that the init gives to the container's root. */
      giveToRoot?: { uid: number; gid: number; paths: string[] };
      storageUidMappings?: OciIdMapping[];
      storageGidMappings?: OciIdMapping[];
    };
    stateDir: string;
    /** --annotation as given (also merged into `annotations`), for inspect's HostConfig.Annotations. */
    annotations?: Record<string, string>;
    pidFile: string;
    /** Where the compiled linux.seccomp is cached (named by its hash); absent: compile each time. */
    seccompCache?: string;
    /** The container's own cgroup (issue 7); absent: none (nothing to enforce, or --cgroups=disabled). */
    cgroup?: CgroupPlacement;
    /** The container's network (issue 6, src/network/runtime.ts); absent: loopback only. */
    network?: NetworkRuntimeConfig;
    /** Run by the monitor (addon/monitor/health.h); absent: no healthcheck. */
    healthcheck?: import('../spec/health.js').HealthcheckSpec;
    /** Applied by the monitor when the container's command exits; absent: no. */
    restart?: import('../spec/restart.js').RestartPolicy;
    /** --log-driver/--log-opt (src/spec/logging.ts); absent: k8s-file with the default rotation. */
    log?: import('../spec/logging.js').LogSettings;
    /**
     * -i: docker's Config.OpenStdin, the container's stdin is kept open for whoever attaches
     * (detached without -t: a pipe the monitor holds). `stdinOnce` (docker's StdinOnce, -i
     * without -d): the attached client's end of input closes it.
     */
    openStdin?: boolean;
    stdinOnce?: boolean;
  };
}
