// -v/--volume, --mount and --tmpfs -> mount requests, with docker's syntax and messages. Pure:
// relative bind sources are made absolute against the caller's cwd, passed in. Volume names are
// resolved to directories later (state/volumes), binds checked on disk by the run command.
import { isAbsolute, resolve, posix } from 'node:path';
import { SpecError } from '../errors.js';
import { parseBytes } from './units.js';

export type MountRequest =
  | { type: 'bind'; source: string; target: string; readonly: boolean; propagation: string; recursive: boolean; createSource: boolean }
  /** source undefined: an anonymous volume (docker gives it a random 64-hex name). */
  | { type: 'volume'; source: string | undefined; target: string; readonly: boolean; nocopy: boolean }
  | { type: 'tmpfs'; target: string; options: string[] };

/** docker's local volume name rule (the reference: alphanumeric first, then a-z0-9 _ . -). */
export const VOLUME_NAME_RE = /^[a-zA-Z0-9][a-zA-Z0-9_.-]+$/;

const PROPAGATIONS = ['private', 'rprivate', 'shared', 'rshared', 'slave', 'rslave'];
// SELinux relabelling (z, Z) has no meaning without SELinux; docker accepts them on such hosts too.
const LABEL_MODES = ['z', 'Z'];
const CONSISTENCY = ['consistent', 'cached', 'delegated'];

export function checkVolumeName(name: string): void {
  if (name.length < 2) throw new SpecError(`create ${name}: volume name is too short, names should be at least two alphanumeric characters`);
  if (!VOLUME_NAME_RE.test(name)) {
    throw new SpecError(`create ${name}: "${name}" includes invalid characters for a local volume name, only "[a-zA-Z0-9][a-zA-Z0-9_.-]" are allowed. If you intended to pass a host directory, use absolute path`);
  }
}

function checkTarget(target: string, type: string): string {
  if (!target) throw new SpecError(`invalid mount config for type "${type}": field Target must not be empty`);
  if (!target.startsWith('/')) throw new SpecError(`invalid mount config for type "${type}": invalid mount path: '${target}' mount path must be absolute`);
  const clean = posix.normalize(target);
  if (clean === '/') throw new SpecError(`invalid specification: destination can't be '/'`);
  return clean.replace(/\/+$/, '');
}

/** `-v [SRC:]DST[:OPTS]`: an absolute SRC is a bind (created when missing), else a volume name. */
export function parseVolumeArg(arg: string): MountRequest {
  const parts = arg.split(':');
  if (parts.length > 3 || parts.some((p) => p === '')) throw new SpecError(`invalid volume specification: '${arg}'`);
  if (parts.length === 1) return { type: 'volume', source: undefined, target: checkTarget(parts[0]!, 'volume'), readonly: false, nocopy: false };
  if (parts.length === 2 && isModeList(parts[1]!)) throw new SpecError(`invalid volume specification: '${arg}': a volume without a source takes no options`);
  const [src, dst, modes = ''] = parts as [string, string, string?];
  let readonly = false;
  let propagation = 'rprivate';
  let nocopy = false;
  for (const m of modes ? modes.split(',') : []) {
    if (m === 'ro' || m === 'rw') readonly = m === 'ro';
    else if (PROPAGATIONS.includes(m)) propagation = m;
    else if (m === 'nocopy') nocopy = true;
    else if (!LABEL_MODES.includes(m) && !CONSISTENCY.includes(m)) throw new SpecError(`invalid mode: ${m} (in --volume ${arg}): use ro, rw, z, Z, nocopy or a propagation (rprivate, rshared, rslave...)`);
  }
  if (src.startsWith('/')) {
    if (nocopy) throw new SpecError(`invalid mode: nocopy (in --volume ${arg}): nocopy applies to volumes, not to a bind of a host path`);
    return { type: 'bind', source: posix.normalize(src), target: checkTarget(dst, 'bind'), readonly, propagation, recursive: true, createSource: true };
  }
  checkVolumeName(src);
  if (propagation !== 'rprivate') throw new SpecError(`invalid mode: ${propagation} (in --volume ${arg}): propagation applies to binds of host paths, not to volumes`);
  return { type: 'volume', source: src, target: checkTarget(dst, 'volume'), readonly, nocopy };
}

function isModeList(s: string): boolean {
  return s.split(',').every((m) => m === 'ro' || m === 'rw' || PROPAGATIONS.includes(m) || LABEL_MODES.includes(m) || m === 'nocopy');
}

function parseBool(key: string, value: string | undefined, arg: string): boolean {
  if (value === undefined) return true;
  const v = value.toLowerCase();
  if (['1', 'true'].includes(v)) return true;
  if (['0', 'false'].includes(v)) return false;
  throw new SpecError(`invalid value for ${key}: ${value} (in --mount ${arg}): use true or false`);
}

/** `--mount type=bind|volume|tmpfs,source=...,target=...[,readonly][,...]` (docker's CSV form). */
export function parseMountArg(arg: string, cwd: string): MountRequest {
  const fields: Record<string, string | undefined> = {};
  for (const field of arg.split(',')) {
    const eq = field.indexOf('=');
    const key = (eq < 0 ? field : field.slice(0, eq)).trim().toLowerCase();
    const value = eq < 0 ? undefined : field.slice(eq + 1);
    if (!key) throw new SpecError(`invalid field '${field}' in --mount ${arg}: use key=value`);
    const canonical = { src: 'source', dst: 'target', destination: 'target', ro: 'readonly' }[key] ?? key;
    if (value === undefined && !['readonly', 'volume-nocopy', 'bind-nonrecursive'].includes(canonical)) {
      throw new SpecError(`invalid field '${field}' must be a key=value pair (in --mount ${arg})`);
    }
    fields[canonical] = value ?? 'true';
  }
  const type = fields.type ?? 'volume';
  const allowed: Record<string, string[]> = {
    bind: ['bind-propagation', 'bind-nonrecursive', 'bind-recursive'],
    volume: ['volume-nocopy', 'volume-driver', 'volume-label', 'volume-subpath'],
    tmpfs: ['tmpfs-size', 'tmpfs-mode'],
  };
  if (!allowed[type]) throw new SpecError(`invalid mount type "${type}" in --mount ${arg}: use bind, volume or tmpfs`);
  for (const key of Object.keys(fields)) {
    if (['type', 'source', 'target', 'readonly', 'consistency'].includes(key)) continue;
    if (allowed[type]!.includes(key)) continue;
    const owner = Object.keys(allowed).find((t) => allowed[t]!.includes(key));
    throw new SpecError(owner ? `invalid mount config for type "${type}": ${key} is for type=${owner} (in --mount ${arg})` : `unexpected key '${key}' in '${arg}'`);
  }
  if (fields.target === undefined) throw new SpecError(`invalid mount config for type "${type}": field Target must not be empty`);
  const readonly = fields.readonly !== undefined && parseBool('readonly', fields.readonly, arg);

  if (type === 'tmpfs') {
    if (fields.source) throw new SpecError(`invalid mount config for type "tmpfs": field Source must not be specified`);
    if (fields.readonly !== undefined && readonly) throw new SpecError(`invalid mount config for type "tmpfs": a read-only tmpfs is useless (in --mount ${arg})`);
    const options = ['nosuid', 'nodev', 'noexec'];
    if (fields['tmpfs-size'] !== undefined) options.push(`size=${parseBytes(fields['tmpfs-size'], 'tmpfs-size')}`);
    if (fields['tmpfs-mode'] !== undefined) {
      if (!/^[0-7]{1,4}$/.test(fields['tmpfs-mode'])) throw new SpecError(`invalid value "${fields['tmpfs-mode']}" for tmpfs-mode: use an octal mode such as 1777`);
      options.push(`mode=${fields['tmpfs-mode'].padStart(4, '0')}`);
    }
    return { type: 'tmpfs', target: checkTarget(fields.target, 'tmpfs'), options };
  }
  if (type === 'bind') {
    if (!fields.source) throw new SpecError(`invalid mount config for type "bind": field Source must not be empty`);
    const propagation = fields['bind-propagation'] ?? 'rprivate';
    if (!PROPAGATIONS.includes(propagation)) throw new SpecError(`invalid value "${propagation}" for bind-propagation: use one of ${PROPAGATIONS.join(', ')}`);
    const recursive = !(fields['bind-nonrecursive'] !== undefined && parseBool('bind-nonrecursive', fields['bind-nonrecursive'], arg));
    // docker's CLI turns a relative source (the reference's source=.) into an absolute path.
    const source = isAbsolute(fields.source) ? posix.normalize(fields.source) : resolve(cwd, fields.source);
    return { type: 'bind', source, target: checkTarget(fields.target, 'bind'), readonly, propagation, recursive, createSource: false };
  }
  if (fields['volume-driver'] !== undefined && fields['volume-driver'] !== 'local') {
    throw new SpecError(`volume driver "${fields['volume-driver']}" is not supported: only the local driver exists (in --mount ${arg})`);
  }
  if (fields['volume-subpath'] !== undefined) throw new SpecError(`volume-subpath is not supported yet (in --mount ${arg})`);
  const source = fields.source || undefined;
  if (source !== undefined) checkVolumeName(source);
  const nocopy = fields['volume-nocopy'] !== undefined && parseBool('volume-nocopy', fields['volume-nocopy'], arg);
  return { type: 'volume', source, target: checkTarget(fields.target, 'volume'), readonly, nocopy };
}

/** `--tmpfs DST[:OPTS]`: docker's defaults (noexec, nosuid, nodev), the given options after them. */
export function parseTmpfsArg(arg: string): MountRequest {
  const colon = arg.indexOf(':');
  const target = checkTarget(colon < 0 ? arg : arg.slice(0, colon), 'tmpfs');
  const given = colon < 0 ? [] : arg.slice(colon + 1).split(',').filter(Boolean);
  for (const o of given) {
    if (o.startsWith('size=')) parseBytes(o.slice(5), '--tmpfs size');
    else if (o.startsWith('mode=') && !/^[0-7]{1,4}$/.test(o.slice(5))) throw new SpecError(`invalid value "${o}" for --tmpfs ${arg}: mode must be octal`);
  }
  // size=64m is the kernel's own syntax for k/m/g, but docker also takes "64MiB"-style units:
  // normalise to bytes so the kernel sees one form.
  const options = ['nosuid', 'nodev', 'noexec', ...given.map((o) => (o.startsWith('size=') ? `size=${parseBytes(o.slice(5), '--tmpfs size')}` : o))];
  return { type: 'tmpfs', target, options };
}

/** Every request from the three flags, with docker's duplicate-target check. */
export function collectMounts(volumes: string[], mounts: string[], tmpfs: string[], cwd: string): MountRequest[] {
  const out = [...volumes.map(parseVolumeArg), ...mounts.map((m) => parseMountArg(m, cwd)), ...tmpfs.map(parseTmpfsArg)];
  const seen = new Set<string>();
  for (const m of out) {
    if (seen.has(m.target)) throw new SpecError(`Duplicate mount point: ${m.target}`);
    seen.add(m.target);
  }
  return out;
}
