// The image configuration: docker's image config JSON (OCI's image config is the same document
// without Healthcheck). spec/complete reads the `config` section; the store reads `rootfs`.
// parseImageConfig checks the shape of every field later stages rely on, so a hostile or broken
// config fails here, at load time, with the field named, instead of deep inside a run.
import { ImageError } from '../errors.js';
import { checkDigest, type Digest } from './digest.js';

export interface HealthConfig {
  /** ["NONE"], ["CMD", arg...], ["CMD-SHELL", command]. */
  Test?: string[];
  /** Durations in nanoseconds, as docker writes them. */
  Interval?: number;
  Timeout?: number;
  StartPeriod?: number;
  StartInterval?: number;
  Retries?: number;
}

/** The container defaults an image carries (`config` in the image config JSON). */
export interface ContainerConfig {
  User?: string;
  ExposedPorts?: Record<string, object>;
  Env?: string[];
  Entrypoint?: string[] | null;
  Cmd?: string[] | null;
  Healthcheck?: HealthConfig;
  Volumes?: Record<string, object> | null;
  WorkingDir?: string;
  Labels?: Record<string, string> | null;
  StopSignal?: string;
  ArgsEscaped?: boolean;
  OnBuild?: string[] | null;
  Shell?: string[];
}

export interface HistoryEntry {
  created?: string;
  created_by?: string;
  author?: string;
  comment?: string;
  empty_layer?: boolean;
}

export interface ImageConfig {
  architecture: string;
  os: string;
  variant?: string;
  'os.version'?: string;
  created?: string;
  author?: string;
  config?: ContainerConfig;
  rootfs: { type: 'layers'; diff_ids: Digest[] };
  history?: HistoryEntry[];
}

type Json = Record<string, unknown>;

const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const isStringArray = (v: unknown): v is string[] => Array.isArray(v) && v.every((s) => typeof s === 'string');

function bad(what: string, field: string, expected: string): ImageError {
  return new ImageError(`invalid image config ${what}: ${field} must be ${expected}`);
}

function checkContainerConfig(c: Json, what: string): void {
  const strings = ['User', 'WorkingDir', 'StopSignal'] as const;
  for (const k of strings) if (c[k] !== undefined && typeof c[k] !== 'string') throw bad(what, `config.${k}`, 'a string');
  const arrays = ['Env', 'Shell'] as const;
  for (const k of arrays) if (c[k] !== undefined && c[k] !== null && !isStringArray(c[k])) throw bad(what, `config.${k}`, 'an array of strings');
  const nullableArrays = ['Entrypoint', 'Cmd', 'OnBuild'] as const;
  for (const k of nullableArrays) if (c[k] !== undefined && c[k] !== null && !isStringArray(c[k])) throw bad(what, `config.${k}`, 'an array of strings or null');
  const maps = ['ExposedPorts', 'Volumes'] as const;
  for (const k of maps) if (c[k] !== undefined && c[k] !== null && !isObject(c[k])) throw bad(what, `config.${k}`, 'an object');
  if (c.Labels !== undefined && c.Labels !== null) {
    if (!isObject(c.Labels) || !Object.values(c.Labels).every((v) => typeof v === 'string')) throw bad(what, 'config.Labels', 'an object of strings');
  }
  const h = c.Healthcheck;
  if (h !== undefined && h !== null) {
    if (!isObject(h)) throw bad(what, 'config.Healthcheck', 'an object');
    if (h.Test !== undefined && h.Test !== null && !isStringArray(h.Test)) throw bad(what, 'config.Healthcheck.Test', 'an array of strings');
    for (const k of ['Interval', 'Timeout', 'StartPeriod', 'StartInterval', 'Retries']) {
      if (h[k] !== undefined && (typeof h[k] !== 'number' || !Number.isFinite(h[k]) || (h[k] as number) < 0)) {
        throw bad(what, `config.Healthcheck.${k}`, 'a non-negative number');
      }
    }
  }
}

/**
 * Parse an image config blob. `what` names it in errors (e.g. the config digest). The returned
 * object is the JSON as written (unknown fields kept), with the fields above checked.
 */
export function parseImageConfig(bytes: Uint8Array | string, what: string): ImageConfig {
  let doc: unknown;
  try {
    doc = JSON.parse(typeof bytes === 'string' ? bytes : Buffer.from(bytes).toString('utf8'));
  } catch (err) {
    throw new ImageError(`invalid image config ${what}: not JSON (${(err as Error).message})`);
  }
  if (!isObject(doc)) throw new ImageError(`invalid image config ${what}: not a JSON object`);
  if (typeof doc.architecture !== 'string') throw bad(what, 'architecture', 'a string');
  if (typeof doc.os !== 'string') throw bad(what, 'os', 'a string');
  if (doc.created !== undefined && typeof doc.created !== 'string') throw bad(what, 'created', 'a string');
  const rootfs = doc.rootfs;
  if (!isObject(rootfs) || rootfs.type !== 'layers' || !Array.isArray(rootfs.diff_ids)) {
    throw bad(what, 'rootfs', `{"type": "layers", "diff_ids": [...]}`);
  }
  rootfs.diff_ids.forEach((d, i) => checkDigest(d, `image config ${what} rootfs.diff_ids[${i}]`));
  // A null section means "none"; drop it so the type's optional fields tell the truth.
  if (doc.config === null) delete doc.config;
  if (doc.history === null) delete doc.history;
  if (doc.config !== undefined) {
    if (!isObject(doc.config)) throw bad(what, 'config', 'an object');
    checkContainerConfig(doc.config, what);
  }
  if (doc.history !== undefined) {
    if (!Array.isArray(doc.history) || !doc.history.every(isObject)) throw bad(what, 'history', 'an array of objects');
  }
  return doc as unknown as ImageConfig;
}
