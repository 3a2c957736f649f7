// `image inspect`: the JSON docker prints for an image (api/types ImageInspect), from our
// record and the image config. Pure.
import type { ImageConfig } from './config.js';
import type { ImageRecord } from './image-index.js';
import { parseReference } from './reference.js';

export interface ImageInspect {
  Id: string;
  RepoTags: string[];
  RepoDigests: string[];
  Parent: string;
  Comment: string;
  Created: string;
  DockerVersion: string;
  Author: string;
  Config: Record<string, unknown>;
  Architecture: string;
  Variant?: string;
  Os: string;
  OsVersion?: string;
  Size: number;
  GraphDriver: { Data: Record<string, string> | null; Name: string };
  RootFS: { Type: string; Layers: string[] };
  Metadata: { LastTagTime: string };
}

/** The container defaults in docker's container.Config shape: every field, docker's order. */
export function dockerContainerConfig(config: ImageConfig): Record<string, unknown> {
  const c = config.config ?? {};
  const out: Record<string, unknown> = {
    Hostname: '',
    Domainname: '',
    User: c.User ?? '',
    AttachStdin: false,
    AttachStdout: false,
    AttachStderr: false,
  };
  if (c.ExposedPorts && Object.keys(c.ExposedPorts).length > 0) out.ExposedPorts = c.ExposedPorts;
  Object.assign(out, { Tty: false, OpenStdin: false, StdinOnce: false, Env: c.Env ?? null, Cmd: c.Cmd ?? null });
  if (c.Healthcheck) out.Healthcheck = c.Healthcheck;
  if (c.ArgsEscaped) out.ArgsEscaped = true;
  Object.assign(out, {
    Image: '',
    Volumes: c.Volumes ?? null,
    WorkingDir: c.WorkingDir ?? '',
    Entrypoint: c.Entrypoint ?? null,
    OnBuild: c.OnBuild ?? null,
    Labels: c.Labels ?? null,
  });
  if (c.StopSignal) out.StopSignal = c.StopSignal;
  if (c.Shell) out.Shell = c.Shell;
  return out;
}

/** `layers` are the unpacked directories, bottom-most first (for GraphDriver). */
export function inspectImage(record: ImageRecord, config: ImageConfig, layerDirs: string[]): ImageInspect {
  const extra = config as unknown as { comment?: unknown; docker_version?: unknown };
  const comment = extra.comment;
  const out: ImageInspect = {
    Id: record.id,
    RepoTags: record.names.map((n) => parseReference(n).familiar),
    RepoDigests: (record.repoDigests ?? []).map((n) => parseReference(n).familiar),
    Parent: '',
    Comment: typeof comment === 'string' ? comment : '',
    Created: config.created ?? record.created,
    DockerVersion: typeof extra.docker_version === 'string' ? extra.docker_version : '',
    Author: config.author ?? '',
    Config: dockerContainerConfig(config),
    Architecture: config.architecture,
    Os: config.os,
    Size: record.layers.reduce((n, l) => n + l.size, 0),
    GraphDriver: { Data: null, Name: 'overlay' },
    RootFS: { Type: 'layers', Layers: record.layers.map((l) => l.diffId) },
    Metadata: { LastTagTime: '0001-01-01T00:00:00Z' },
  };
  if (config.variant) out.Variant = config.variant;
  if (config['os.version']) out.OsVersion = config['os.version'];
  if (layerDirs.length > 0) {
    // overlay's view: the top layer and, below it, the rest top-most first.
    const top = layerDirs[layerDirs.length - 1]!;
    const lower = layerDirs.slice(0, -1).reverse();
    out.GraphDriver.Data = lower.length > 0 ? { LowerDir: lower.join(':'), UpperDir: top } : { UpperDir: top };
  }
  // Keep docker's field order: Variant and OsVersion sit after Architecture/Os.
  const ordered: Record<string, unknown> = {};
  for (const k of ['Id', 'RepoTags', 'RepoDigests', 'Parent', 'Comment', 'Created', 'DockerVersion', 'Author', 'Config', 'Architecture', 'Variant', 'Os', 'OsVersion', 'Size', 'GraphDriver', 'RootFS', 'Metadata']) {
    if ((out as unknown as Record<string, unknown>)[k] !== undefined) ordered[k] = (out as unknown as Record<string, unknown>)[k];
  }
  return ordered as unknown as ImageInspect;
}

/** docker's inspect text: 4-space indentation, HTML characters escaped as Go's encoder does. */
export function inspectJson(items: unknown[]): string {
  return JSON.stringify(items, null, 4).replace(/</g, '\\u003c').replace(/>/g, '\\u003e').replace(/&/g, '\\u0026') + '\n';
}
