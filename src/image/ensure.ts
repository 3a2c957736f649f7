// run's implicit pull (`--pull=missing|always|never`), worded as docker run words it:
//   missing: use the local image; else "Unable to find image 'x' locally" and pull it;
//   always:  pull (the tag may have moved), then use it;
//   never:   use the local image or fail with "No such image: x".
// Pull output goes to `progress` (stderr for run: stdout is the container's); -q silences all.
import { ImageError } from '../errors.js';
import { monitorPath } from '../runtime/paths.js';
import { nativeUnpacker, type Unpacker } from './unpacker.js';
import { ImageNotFoundError } from './image-index.js';
import { parsePlatform } from './platform.js';
import { pullImage, pullReference } from './pull.js';
import { progressFor, silentProgress } from './pull-progress.js';
import type { ImageReference } from './reference.js';
import type { ImageStore, ResolvedImage } from './store.js';

export type PullPolicy = 'missing' | 'always' | 'never';

export interface EnsureOptions {
  pull: PullPolicy;
  /** --platform: which image of a multi-platform index to pull. */
  platform?: string;
  quiet: boolean;
  /** Where pull output goes (run: stderr). */
  progress: NodeJS.WritableStream;
  /** Defaults: process.env, the native unpacker. */
  env?: NodeJS.ProcessEnv;
  unpacker?: Unpacker;
  tlsVerify?: boolean;
}

/** `--pull` values as docker accepts them. */
export function parsePullPolicy(value: string | undefined): PullPolicy {
  const v = (value ?? 'missing').toLowerCase();
  if (v === 'missing' || v === 'always' || v === 'never') return v;
  throw new ImageError(`invalid pull option: '${value}': must be one of "always", "missing", "never"`);
}

async function localImage(ref: string, store: ImageStore): Promise<ResolvedImage | undefined> {
  try {
    return await store.resolveImage(ref);
  } catch (err) {
    if (err instanceof ImageNotFoundError) return undefined;
    throw err;
  }
}

/** The reference to pull for `ref`, or undefined when it is an id (ids can't be pulled). */
function pullable(ref: string): { ref: ImageReference; defaultTag: boolean } | undefined {
  if (/^(sha256:)?[0-9a-f]{64}$/.test(ref) || ref.startsWith('sha256:')) return undefined;
  return pullReference(ref);
}

/** The image `ref` names, pulled first when the policy says so. */
export async function ensureImage(ref: string, opts: EnsureOptions, store: ImageStore): Promise<ResolvedImage> {
  const policy = opts.pull;
  if (policy !== 'always') {
    const local = await localImage(ref, store);
    if (local) return local;
    if (policy === 'never') {
      const target = pullable(ref);
      throw new ImageError(`No such image: ${target ? target.ref.familiar : ref}`);
    }
  }
  const target = pullable(ref);
  if (!target) throw new ImageError(`No such image: ${ref}`);
  const out = opts.quiet ? undefined : opts.progress;
  if (out && policy === 'missing') out.write(`Unable to find image '${target.ref.familiar}' locally\n`);
  const progress = out ? progressFor(out) : silentProgress;
  const result = await pullImage(target.ref, store, {
    env: opts.env ?? process.env,
    unpacker: opts.unpacker ?? nativeUnpacker({ monitor: monitorPath(opts.env ?? process.env) }),
    progress,
    ...(opts.platform !== undefined ? { platform: parsePlatform(opts.platform) } : {}),
    ...(opts.tlsVerify !== undefined ? { tlsVerify: opts.tlsVerify } : {}),
  });
  progress.line(`Digest: ${result.digest}`);
  progress.line(`Status: ${result.upToDate ? 'Image is up to date' : 'Downloaded newer image'} for ${target.ref.familiar}`);
  return store.resolveImage(result.ref.digest !== undefined ? `${result.ref.registry}/${result.ref.repository}@${result.ref.digest}` : result.ref.canonical);
}
