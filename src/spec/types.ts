// RunSpec: what the user asked for, grouped by concern (podman's specgen idea). Filled from the
// parsed options (spec/fill), completed with the image (spec/complete), checked (spec/validate).
import type { CgroupPlacement } from '../cgroups/placement.js';
import type { NetworkRequest } from '../network/options.js';
import type { ImageConfig } from '../image/config.js';
import type { MountRequest } from './mounts.js';
import type { Ulimit } from './process-options.js';
import type { SecurityOptions } from './security.js';

export interface RunSpec {
  /** The image reference exactly as typed. */
  image: string;
  /** --network, -p/-P, --expose, --dns*, --add-host as given; resolved by src/network. */
  network: NetworkRequest;
  identity: {
    name: string | undefined;
    hostname: string | undefined;
    labels: Record<string, string>;
    /** --annotation: passed to the runtime config and shown as HostConfig.Annotations. */
    annotations: Record<string, string>;
  };
  process: {
    /** COMMAND and ARG... as given; [] means "the image's Cmd". */
    command: string[];
    /** undefined: the image's Entrypoint; [] : reset (--entrypoint=""); else the override. */
    entrypoint: string[] | undefined;
    /** -e/--env-file entries already resolved to NAME=value, in the order given. */
    env: string[];
    user: string | undefined;
    groupAdd: string[];
    workdir: string | undefined;
    tty: boolean;
    interactive: boolean;
    /** --init: a minimal reaper as PID 1, the command its child. */
    init: boolean;
    ulimits: Ulimit[];
    oomScoreAdj: number | undefined;
  };
  lifecycle: {
    rm: boolean;
    detach: boolean;
    /** --sig-proxy: foreground only; the CLI passes its signals on (default true). */
    sigProxy: boolean;
    /** Recorded for stop/kill (issue 5): as docker prints it (SIGTERM) or a number. */
    stopSignal: string | undefined;
    stopTimeout: number | undefined;
    cidfile: string | undefined;
    /** -a/--attach: the streams a foreground run is connected to; undefined: docker's default. */
    attach?: import('./run-choices.js').AttachStream[] | undefined;
  };
  storage: {
    /** -v, --mount and --tmpfs, in that order. */
    mounts: MountRequest[];
    /** /dev/shm's size in bytes (docker's default 64m). */
    shmSize: number;
  };
  /** --pid, --ipc, --uts, --cgroupns, --domainname, --sysctl (spec/namespaces.ts). */
  namespaces: import('./namespaces.js').NamespaceSpec;
  /** --userns (spec/userns.ts); absent: the default rootless map. */
  userns?: import('./userns.js').UsernsRequest;
  /** --privileged, --security-opt, --device: see spec/security.ts. */
  security: SecurityOptions & {
    capAdd: string[];
    capDrop: string[];
    readOnly: boolean;
  };
}

/** The resolved identity the container's process runs as. */
export interface ProcessUser {
  uid: number;
  gid: number;
  additionalGids: number[];
  /** From the image's /etc/passwd, else "/" (docker's default). */
  home: string;
}

/** A RunSpec completed with the image: everything the runtime config needs. */
export interface CompletedSpec {
  spec: RunSpec;
  imageId: string;
  imageName: string;
  imageConfig: ImageConfig;
  /** Unpacked layer directories, bottom-most first. */
  layerDirs: string[];
  containerId: string;
  hostname: string;
  args: string[];
  env: string[];
  cwd: string;
  user: ProcessUser;
  capabilities: string[];
  /** The container's cgroup and limits (src/cgroups), decided by `run` from the host's facts. */
  cgroup?: CgroupPlacement;
  /** The rootfs driver and why (src/storage), decided by `run`; absent: the kernel overlay. */
  rootfs?: import('../storage/driver.js').DriverChoice;
  /**
   * --userns=keep-id: the ids you appear as inside, and the /etc/passwd and /etc/group the
   * container gets when the image lacks you (spec/userns.ts); absent: the default map.
   */
  keepId?: { uid: number; gid: number; passwd?: string; group?: string };
  /** The healthcheck the monitor runs (issue 5, src/spec/health.ts); absent: none. */
  healthcheck?: import('./health.js').HealthcheckSpec;
  /** --restart (issue 5, src/spec/restart.ts); absent: no. */
  restart?: import('./restart.js').RestartPolicy;
  /** --log-driver/--log-opt (src/spec/logging.ts); absent: k8s-file with the default rotation. */
  logging?: import('./logging.js').LogSettings;
  /** --link on a user-defined network: /etc/hosts lines for the linked containers (src/network/links.ts). */
  links?: import('../network/links.js').LinkHost[];
}

/** A problem that does not stop the run; returned by stages, printed by the CLI. */
export type Warning = string;
