// `sandbox inspect` for a container: docker's JSON shape, from the record (with its observed
// state) and the runtime config the container was started with. Pure.
import type { ContainerRecord } from '../state/containers.js';
import type { RuntimeConfig } from '../oci/types.js';
import { userMountPoints } from '../oci/user-mounts.js';
import { foregroundLogged } from '../runtime/log-policy.js';

/** Go's zero time, which docker prints for a time that never happened. */
const ZERO_TIME = '0001-01-01T00:00:00Z';

export interface InspectPaths {
  stateDir: string;
  logPath: string;
  /** The volume store's root: a mount from under it is a volume (docker's Type "volume"). */
  volumesRoot: string;
}

/** docker's NetworkSettings.Networks for the user-defined networks in the runtime config. */
function userNetworks(config: RuntimeConfig | undefined): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const n of config?.sandbox.network?.networks ?? [])
    out[n.name] = {
      IPAMConfig: null,
      Links: null,
      Aliases: n.aliases,
      MacAddress: n.mac,
      NetworkID: n.id,
      Gateway: n.gateway,
      IPAddress: n.ip,
      IPPrefixLen: n.prefix,
      IPv6Gateway: n.gateway6 ?? '',
      GlobalIPv6Address: n.ip6 ?? '',
      GlobalIPv6PrefixLen: n.prefix6 ?? 0,
      DNSNames: [config?.sandbox.network?.containerName ?? '', ...n.aliases].filter(Boolean),
    };
  return out;
}

/** HostConfig's namespace modes as docker shows them ('' where docker shows its default that way). */
function namespaceModes(config: RuntimeConfig | undefined): Record<string, unknown> {
  if (!config) return {};
  const has = (t: string) => config.linux.namespaces.some((n) => n.type === t);
  return {
    PidMode: has('pid') ? (config.annotations['io.sandbox.pid'] ?? '') : 'host',
    IpcMode: has('ipc') ? (config.annotations['io.sandbox.ipc'] ?? 'private') : 'host',
    UTSMode: has('uts') ? '' : 'host',
    CgroupnsMode: has('cgroup') ? 'private' : 'host',
    Sysctls: config.linux.sysctl ?? null,
  };
}

export function inspectContainer(rec: ContainerRecord, config: RuntimeConfig | undefined, paths: InspectPaths): Record<string, unknown> {
  const args = config?.process.args ?? rec.command;
  const user = config?.process.user;
  const running = rec.status === 'running';
  const restarting = running && rec.restarting === true;
  // The monitor logs detached containers and foreground ones but for --rm without -t and
  // without --log-driver, and --log-driver none without -t (src/runtime/log-policy.ts).
  const logged = rec.detached === true || foregroundLogged({ tty: config?.process.terminal === true, autoRemove: rec.autoRemove, log: config?.sandbox.log });
  return {
    Id: rec.id,
    Created: rec.created,
    Path: args[0] ?? '',
    Args: args.slice(1),
    State: {
      Status: restarting ? 'restarting' : rec.status === 'exited' && !rec.startedAt ? 'created' : rec.status,
      Running: running,
      Paused: false,
      Restarting: restarting,
      OOMKilled: rec.oomKilled ?? false,
      Dead: rec.status === 'dead',
      Pid: running && !restarting ? (rec.pid ?? 0) : 0,
      ExitCode: running && !restarting ? 0 : (rec.exitCode ?? 0),
      Error: rec.error ?? '',
      StartedAt: rec.startedAt ?? ZERO_TIME,
      FinishedAt: rec.finishedAt ?? ZERO_TIME,
      ...(rec.health ? { Health: rec.health } : {}),
    },
    Image: rec.imageId,
    ResolvConfPath: `${paths.stateDir}/resolv.conf`,
    HostnamePath: `${paths.stateDir}/hostname`,
    HostsPath: `${paths.stateDir}/hosts`,
    LogPath: logged ? paths.logPath : '',
    Name: `/${rec.name}`,
    RestartCount: rec.restartCount ?? 0,
    Driver: 'overlay',
    Platform: 'linux',
    MountLabel: '',
    ProcessLabel: '',
    AppArmorProfile: '',
    ExecIDs: null,
    HostConfig: {
      LogConfig: config?.sandbox.log ? { Type: config.sandbox.log.driver, Config: config.sandbox.log.options } : { Type: logged ? 'k8s-file' : 'none', Config: {} },
      NetworkMode: 'private',
      RestartPolicy: { Name: config?.sandbox.restart?.name ?? 'no', MaximumRetryCount: config?.sandbox.restart?.maxRetries ?? 0 },
      AutoRemove: rec.autoRemove,
      Privileged: false,
      ReadonlyRootfs: config?.root.readonly ?? false,
      ...namespaceModes(config),
      Runtime: 'sandbox',
      Isolation: '',
      ...(config?.sandbox.annotations ? { Annotations: config.sandbox.annotations } : {}),
      // podman's field: the annotation (any driver), or the layers' own maps (older configs).
      UsernsMode: config?.annotations?.['io.sandbox.userns'] ?? (config?.sandbox.rootfs.storageUidMappings ? 'keep-id' : ''),
    },
    // vfs: no layers are mounted; the container's root is its own copy (docker shows no Data).
    GraphDriver: config?.sandbox.rootfs.driver === 'vfs' ? { Name: 'vfs', Data: {} } : {
      Name: 'overlay',
      Data: config
        ? { LowerDir: config.sandbox.rootfs.lowerdirs.join(':'), UpperDir: config.sandbox.rootfs.upperdir, WorkDir: config.sandbox.rootfs.workdir, MergedDir: config.root.path }
        : {},
    },
    // docker's MountPoint fields, in its order: volumes with Name and Driver, binds without.
    Mounts: userMountPoints(config, paths).map((m) => ({
      Type: m.Type,
      ...(m.Name !== undefined ? { Name: m.Name } : {}),
      Source: m.Source,
      Destination: m.Destination,
      ...(m.Driver !== undefined ? { Driver: m.Driver } : {}),
      Mode: m.Mode,
      RW: m.RW,
      Propagation: m.Propagation,
    })),
    Config: {
      Hostname: config?.hostname ?? rec.id.slice(0, 12),
      Domainname: config?.domainname ?? '',
      User: user && (user.uid !== 0 || user.gid !== 0) ? `${user.uid}:${user.gid}` : '',
      // docker's client: -i attached (run -i, create -i) is StdinOnce; run -d -i keeps stdin open only.
      AttachStdin: config?.sandbox.stdinOnce ?? false,
      AttachStdout: !rec.detached,
      AttachStderr: !rec.detached,
      Tty: config?.process.terminal ?? false,
      OpenStdin: config?.sandbox.openStdin ?? false,
      StdinOnce: config?.sandbox.stdinOnce ?? false,
      Env: config?.process.env ?? [],
      Cmd: rec.command,
      Image: rec.image,
      Volumes: null,
      WorkingDir: config?.process.cwd ?? '/',
      Entrypoint: null,
      OnBuild: null,
      Labels: {},
      ...(config?.sandbox.healthcheck
        ? {
            Healthcheck: {
              Test: config.sandbox.healthcheck.dockerTest,
              ...(config.sandbox.healthcheck.intervalMs ? { Interval: config.sandbox.healthcheck.intervalMs * 1e6 } : {}),
              ...(config.sandbox.healthcheck.timeoutMs ? { Timeout: config.sandbox.healthcheck.timeoutMs * 1e6 } : {}),
              ...(config.sandbox.healthcheck.startPeriodMs ? { StartPeriod: config.sandbox.healthcheck.startPeriodMs * 1e6 } : {}),
              ...(config.sandbox.healthcheck.retries ? { Retries: config.sandbox.healthcheck.retries } : {}),
            },
          }
        : {}),
    },
    NetworkSettings: { Bridge: '', SandboxID: '', Ports: {}, IPAddress: '', MacAddress: '', Networks: userNetworks(config) },
  };
}
