// Where sandbox keeps things (ARCHITECTURE.md section 5). Pure: computed from the environment
// passed in, so tests can point everything at a temporary home.
import { join } from 'node:path';
import { tmpdir } from 'node:os';

export interface SandboxPaths {
  /** ${XDG_DATA_HOME:-~/.local/share}/sandbox: images, containers, volumes (survives reboot). */
  data: string;
  /** blobs/sha256/<hex> */
  blobs: string;
  /** unpacked layers, keyed by chain id hex: layers/<hex>/diff */
  layers: string;
  /** images/index.json and friends */
  images: string;
  /** containers/<id>/ : config, state, upper, work, merged */
  containers: string;
  /** scratch space on the same filesystem as the store, for temp + rename */
  tmp: string;
  /** $XDG_RUNTIME_DIR/sandbox or $TMPDIR/sandbox-$UID (0700): sockets, pid files, locks */
  runtime: string;
}

export function sandboxPaths(env: NodeJS.ProcessEnv = process.env, uid = process.getuid?.() ?? 0): SandboxPaths {
  const home = env.HOME ?? '/';
  const dataHome = env.XDG_DATA_HOME && env.XDG_DATA_HOME.startsWith('/') ? env.XDG_DATA_HOME : join(home, '.local', 'share');
  const data = env.SANDBOX_DATA_DIR ?? join(dataHome, 'sandbox');
  const runtimeBase = env.XDG_RUNTIME_DIR && env.XDG_RUNTIME_DIR.startsWith('/') ? join(env.XDG_RUNTIME_DIR, 'sandbox') : join(env.TMPDIR ?? tmpdir(), `sandbox-${uid}`);
  return {
    data,
    blobs: join(data, 'blobs', 'sha256'),
    layers: join(data, 'layers'),
    images: join(data, 'images'),
    containers: join(data, 'containers'),
    tmp: join(data, 'tmp'),
    runtime: env.SANDBOX_RUNTIME_DIR ?? runtimeBase,
  };
}
