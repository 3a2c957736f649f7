// Options -> RunSpec. Pure: the caller's environment is passed in (for `-e NAME`, which copies
// the caller's value, and sets nothing when the caller has none), and so are the caller's cwd
// and the text of --env-file/--label-file files (read by the run command).
import { SpecError } from '../errors.js';
import { collectMounts } from './mounts.js';
import { collectLabels, parseKeyValueFile, parseOomScoreAdj, parseStopSignal, parseStopTimeout, parseUlimits } from './process-options.js';
import type { RunSpec } from './types.js';
import { fillSecurity } from './security.js';
import { parseBytes } from './units.js';
import { parseUserns } from './userns.js';
import { fillNamespaces } from './namespaces.js';
import { checkContentTrust, checkIsolation, checkRuntime, parseAnnotations, parseAttach } from './run-choices.js';

/** What fill needs from the caller's side: its cwd, and the files named by options. */
export interface HostInputs {
  cwd: string;
  /** path -> text, for every --env-file and --label-file given. */
  files: Record<string, string>;
}

/** docker's default /dev/shm size. */
export const DEFAULT_SHM_SIZE = 64 * 1024 * 1024;

/** The subset of parsed run options this stage reads (cli/run-options' RunOptions satisfies it). */
export interface FillInput {
  rm: boolean;
  detach: boolean;
  sigProxy?: boolean;
  env: string[];
  entrypoint: string | undefined;
  user: string | undefined;
  groupAdd: string[];
  workdir: string | undefined;
  hostname: string | undefined;
  name: string | undefined;
  tty: boolean;
  interactive: boolean;
  capAdd: string[];
  capDrop: string[];
  readOnly: boolean;
  envFile?: string[];
  label?: string[];
  labelFile?: string[];
  volume?: string[];
  mount?: string[];
  tmpfs?: string[];
  shmSize?: string | undefined;
  ulimit?: string[];
  oomScoreAdj?: string | undefined;
  stopSignal?: string | undefined;
  stopTimeout?: string | undefined;
  init?: boolean;
  cidfile?: string | undefined;
  privileged?: boolean;
  securityOpt?: string[];
  device?: string[];
  deviceCgroupRule?: string[];
  network?: string[];
  networkAlias?: string[];
  ip?: string | undefined;
  ip6?: string | undefined;
  macAddress?: string | undefined;
  publish?: string[];
  publishAll?: boolean;
  expose?: string[];
  dns?: string[];
  dnsSearch?: string[];
  dnsOption?: string[];
  addHost?: string[];
  userns?: string | undefined;
  pid?: string | undefined;
  ipc?: string | undefined;
  uts?: string | undefined;
  cgroupns?: string | undefined;
  domainname?: string | undefined;
  sysctl?: string[];
  annotation?: string[];
  attach?: string[];
  runtime?: string | undefined;
  isolation?: string | undefined;
  disableContentTrust?: boolean;
}

/** `-e NAME=value` as given; `-e NAME` copies the caller's value or is dropped. */
export function resolveEnvArgs(entries: string[], callerEnv: NodeJS.ProcessEnv): string[] {
  const out: string[] = [];
  for (const e of entries) {
    const eq = e.indexOf('=');
    if (eq >= 0) {
      out.push(e);
      continue;
    }
    const v = callerEnv[e];
    if (v !== undefined) out.push(`${e}=${v}`);
  }
  return out;
}

function fileText(host: HostInputs, path: string, flag: string): string {
  const text = host.files[path];
  if (text === undefined) throw new SpecError(`open ${path}: no such file or directory (${flag})`);
  return text;
}

export function fillRunSpec(opts: FillInput, image: string, command: string[], callerEnv: NodeJS.ProcessEnv, host: HostInputs = { cwd: '/', files: {} }): RunSpec {
  // docker: --env-file entries first, then -e, so -e wins for the same name.
  const fileEnv = (opts.envFile ?? []).flatMap((f) => parseKeyValueFile(fileText(host, f, '--env-file'), f, 'env', callerEnv));
  const fileLabels = (opts.labelFile ?? []).flatMap((f) => parseKeyValueFile(fileText(host, f, '--label-file'), f, 'label'));
  let shmSize = DEFAULT_SHM_SIZE;
  if (opts.shmSize !== undefined) {
    shmSize = parseBytes(opts.shmSize, '--shm-size');
    if (shmSize <= 0) throw new SpecError(`invalid value "${opts.shmSize}" for --shm-size: must be greater than 0`);
  }
  checkRuntime(opts.runtime);
  checkIsolation(opts.isolation);
  checkContentTrust(opts.disableContentTrust);
  return {
    image,
    network: {
      network: opts.network ?? [],
      publish: opts.publish ?? [],
      publishAll: opts.publishAll ?? false,
      expose: opts.expose ?? [],
      dns: opts.dns ?? [],
      dnsSearch: opts.dnsSearch ?? [],
      dnsOption: opts.dnsOption ?? [],
      addHost: opts.addHost ?? [],
      aliases: opts.networkAlias ?? [],
      ip: opts.ip,
      ip6: opts.ip6,
      mac: opts.macAddress,
    },
    identity: { name: opts.name, hostname: opts.hostname, labels: collectLabels(fileLabels, opts.label ?? []), annotations: parseAnnotations(opts.annotation ?? []) },
    process: {
      command,
      // docker passes --entrypoint as one argv element; "" resets it.
      entrypoint: opts.entrypoint === undefined ? undefined : opts.entrypoint === '' ? [] : [opts.entrypoint],
      env: [...fileEnv, ...resolveEnvArgs(opts.env, callerEnv)],
      user: opts.user,
      groupAdd: opts.groupAdd,
      workdir: opts.workdir,
      tty: opts.tty,
      interactive: opts.interactive,
      init: opts.init ?? false,
      ulimits: parseUlimits(opts.ulimit ?? []),
      oomScoreAdj: opts.oomScoreAdj === undefined ? undefined : parseOomScoreAdj(opts.oomScoreAdj),
    },
    lifecycle: {
      rm: opts.rm,
      detach: opts.detach,
      sigProxy: opts.sigProxy ?? true,
      stopSignal: opts.stopSignal === undefined ? undefined : parseStopSignal(opts.stopSignal),
      stopTimeout: opts.stopTimeout === undefined ? undefined : parseStopTimeout(opts.stopTimeout),
      cidfile: opts.cidfile,
      attach: parseAttach(opts.attach ?? [], opts.detach),
    },
    userns: parseUserns(opts.userns),
    namespaces: fillNamespaces(opts),
    storage: { mounts: collectMounts(opts.volume ?? [], opts.mount ?? [], opts.tmpfs ?? [], host.cwd), shmSize },
    security: { capAdd: opts.capAdd, capDrop: opts.capDrop, readOnly: opts.readOnly, ...fillSecurity(opts) },
  };
}
