// RunSpec: what the user asked for, grouped by concern (podman's specgen idea). Filled from the
// parsed options (spec/fill), completed with the image (spec/complete), checked (spec/validate).
import type { ImageConfig } from '../image/config.js';

export interface RunSpec {
  /** The image reference exactly as typed. */
  image: string;
  identity: {
    name: string | undefined;
    hostname: string | undefined;
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
  };
  lifecycle: {
    rm: boolean;
    detach: boolean;
  };
  security: {
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
}

/** A problem that does not stop the run; returned by stages, printed by the CLI. */
export type Warning = string;
