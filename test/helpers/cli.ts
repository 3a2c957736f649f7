// Run the real CLI (node bin/sandbox.js) the way a user would, each test in a home of its own:
// its own data dir, runtime dir, config and temp dir under a fresh temporary directory, so tests
// running in parallel never see each other's images or containers and nothing touches the
// developer's own ~/.local/share/sandbox.
//
//   test('...', async (t) => {
//     const home = await makeSandboxHome(t);               // removed again after the test
//     const r = await runSandbox(['run', '--rm', 'lab/busybox', 'true'], { env: home.env });
//     t.is(r.code, 0);
//   });
import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { constants, tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ExecutionContext } from 'ava';
import { currentIdMaps, formatIdMap } from '../../src/runtime/idmap.js';
import { monitorPath, packageRoot } from '../../src/runtime/paths.js';
import { sandboxPaths } from '../../src/state/paths.js';

export const sandboxBin = join(packageRoot, 'bin', 'sandbox.js');

export interface RunResult {
  /** The exit status; 128 + signal number when the CLI was killed by a signal (as a shell says). */
  code: number;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  timedOut: boolean;
}

export interface RunOptions {
  /** The whole environment of the CLI; default: a throwaway home made and removed for this call. */
  env?: NodeJS.ProcessEnv;
  /** Written to the CLI's stdin, which is then closed (it is closed at once without it). */
  input?: string | Buffer;
  /** Default 60 s: SIGTERM to the CLI's process group, SIGKILL 5 s later. */
  timeoutMs?: number;
  cwd?: string;
}

export interface SandboxHome {
  /** The temporary directory holding everything below. */
  root: string;
  /** The CLI's environment: HOME, XDG_DATA_HOME, XDG_CONFIG_HOME, XDG_CACHE_HOME, TMPDIR and
   *  SANDBOX_RUNTIME_DIR all inside `root`; PATH, LANG, XDG_RUNTIME_DIR, CI and the SANDBOX_*
   *  test variables passed through. */
  env: NodeJS.ProcessEnv;
  /** $XDG_DATA_HOME/sandbox: images, layers, containers. */
  dataDir: string;
  runtimeDir: string;
  /** Remove containers through the CLI, then the files (including those owned by subordinate
   *  ids), then the directory. Throws when something could not be removed. Idempotent. */
  cleanup(): Promise<void>;
}

/** Variables a test run may need to pass to the CLI; everything else is left behind. */
const passThrough = ['PATH', 'LANG', 'LC_ALL', 'TZ', 'USER', 'LOGNAME', 'XDG_RUNTIME_DIR', 'DBUS_SESSION_BUS_ADDRESS', 'CI', 'SANDBOX_MONITOR', 'SANDBOX_BINDING', 'SANDBOX_FIXTURES', 'SANDBOX_TEST_REGISTRY', 'SANDBOX_TEST_REGISTRY_DIR', 'SANDBOX_STORAGE_DRIVER'];

/** A fresh home for one test. With `t`, its cleanup runs as the test's teardown. */
export async function makeSandboxHome(t?: ExecutionContext<unknown>): Promise<SandboxHome> {
  const root = await mkdtemp(join(tmpdir(), 'sandbox-test-'));
  const dirs = {
    home: join(root, 'home'),
    data: join(root, 'data'),
    config: join(root, 'config'),
    cache: join(root, 'cache'),
    tmp: join(root, 'tmp'),
    run: join(root, 'run'),
  };
  for (const d of Object.values(dirs)) await mkdir(d, { mode: 0o700 });
  // Tests reach registries on loopback only: every other one is blocked, so a test that
  // names an image it has not loaded fails at once instead of pulling from the internet.
  await mkdir(join(dirs.config, 'sandbox'), { mode: 0o700 });
  await writeFile(join(dirs.config, 'sandbox', 'registries.json'), JSON.stringify({ 'blocked-registries': ['*'] }) + '\n', { mode: 0o600 });
  const env: NodeJS.ProcessEnv = {};
  for (const k of passThrough) if (process.env[k] !== undefined) env[k] = process.env[k];
  Object.assign(env, {
    HOME: dirs.home,
    XDG_DATA_HOME: dirs.data,
    XDG_CONFIG_HOME: dirs.config,
    XDG_CACHE_HOME: dirs.cache,
    TMPDIR: dirs.tmp,
    SANDBOX_RUNTIME_DIR: dirs.run,
  });
  let done = false;
  const home: SandboxHome = {
    root,
    env,
    dataDir: join(dirs.data, 'sandbox'),
    runtimeDir: dirs.run,
    async cleanup() {
      if (done) return;
      await removeHome(root, env);
      done = true;
    },
  };
  t?.teardown(() => home.cleanup());
  return home;
}

async function removeHome(root: string, env: NodeJS.ProcessEnv): Promise<void> {
  // 1. Containers first, through the CLI, so their monitors stop and nothing keeps writing.
  //    Only when a container was ever created here: two CLI starts per test add up. Before
  //    `ps`/`rm` exist these fail fast (unknown command) and the steps below suffice.
  if (existsSync(sandboxPaths(env).containers)) {
    const ps = await runSandbox(['ps', '-a', '-q', '--no-trunc'], { env, timeoutMs: 30_000 });
    const ids = ps.code === 0 ? ps.stdout.split('\n').map((s) => s.trim()).filter(Boolean) : [];
    if (ids.length) await runSandbox(['rm', '-f', ...ids], { env, timeoutMs: 60_000 });
  }

  // 2. Files owned by subordinate ids (unpacked layers, container upper dirs) may sit in
  //    directories this user cannot write; the monitor removes them from inside a user
  //    namespace with the same id map, where this user is their owner.
  const maps = currentIdMaps();
  const monitor = monitorPath(env);
  let rmtreeError = '';
  if (maps.subordinate && existsSync(monitor) && existsSync(root)) {
    const r = await run(monitor, ['rmtree', '--uidmap', formatIdMap(maps.uidMappings), '--gidmap', formatIdMap(maps.gidMappings), root], { env, timeoutMs: 120_000 });
    if (r.code !== 0) rmtreeError = ` (sandbox-monitor rmtree exited ${r.code}: ${(r.stdout + r.stderr).trim().split('\n').pop() ?? ''})`;
  }

  // 3. Whatever is left is ours.
  try {
    await rm(root, { recursive: true, force: true, maxRetries: 3 });
  } catch (err) {
    throw new Error(`cannot remove the test home ${root}: ${(err as Error).message}${rmtreeError}`);
  }
}

/** Run node bin/sandbox.js ARGS. Never rejects for a non-zero exit: tests assert on `code`. */
export async function runSandbox(args: string[], opts: RunOptions = {}): Promise<RunResult> {
  if (opts.env) return run(process.execPath, ['--', sandboxBin, ...args], { ...opts, env: opts.env });
  const home = await makeSandboxHome();
  try {
    return await run(process.execPath, ['--', sandboxBin, ...args], { ...opts, env: home.env });
  } finally {
    await home.cleanup();
  }
}

function run(file: string, args: string[], opts: RunOptions & { env: NodeJS.ProcessEnv }): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    // A process group of its own, so a timeout takes down whatever the CLI started with it.
    const child = spawn(file, args, { env: opts.env, cwd: opts.cwd ?? packageRoot, stdio: ['pipe', 'pipe', 'pipe'], detached: true });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.on('data', (b: Buffer) => err.push(b));
    // The CLI may exit without reading its input; that is its business, not an error here.
    child.stdin.on('error', () => {});
    child.stdin.end(opts.input ?? '');

    let timedOut = false;
    let killTimer: NodeJS.Timeout | undefined;
    const signalGroup = (sig: NodeJS.Signals) => {
      try {
        if (child.pid !== undefined) process.kill(-child.pid, sig);
      } catch {
        /* already gone */
      }
    };
    const timer = setTimeout(() => {
      timedOut = true;
      signalGroup('SIGTERM');
      killTimer = setTimeout(() => signalGroup('SIGKILL'), 5000);
    }, opts.timeoutMs ?? 60_000);

    child.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      if (killTimer) clearTimeout(killTimer);
      resolve({
        code: code ?? 128 + (signal ? constants.signals[signal] : 0),
        signal,
        stdout: Buffer.concat(out).toString('utf8'),
        stderr: Buffer.concat(err).toString('utf8'),
        timedOut,
      });
    });
  });
}
