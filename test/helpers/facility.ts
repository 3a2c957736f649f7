// Tests that need something of the host (the fixture images, the native monitor, subordinate
// ids, /dev/fuse...) declare it. On a developer's machine that lacks it the test is skipped and
// its title says why and how to get it; with CI set the same test FAILS, because CI provisions
// every facility (test/host/prepare.sh) and a silent skip there would hide a broken setup.
//
// ava has no way to skip a test once it is running, so the check happens when the test is
// declared:
//
//   needs(test, ['monitor', 'subids'], 'unpacks as the subordinate ids')('chowned file ...', async (t) => { ... });
//   const withImages = needs(test, 'fixtures', 'loads the busybox archive');
//   withImages('load -i reads a docker-archive', async (t) => { ... });
//   withImages.serial(...)
import { accessSync, constants, existsSync, readFileSync, statSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import type { ExecutionContext, ImplementationFn, TestFn } from 'ava';
import { currentIdMaps } from '../../src/runtime/idmap.js';
import { bindingPath, monitorPath, packageRoot } from '../../src/runtime/paths.js';

export type Facility =
  | 'fixtures' // the images make-images.sh builds ($SANDBOX_FIXTURES)
  | 'registry' // a registry holding them ($SANDBOX_TEST_REGISTRY)
  | 'cli' // the compiled CLI, dist/src/cli/main.js
  | 'monitor' // build/Release/sandbox-monitor
  | 'binding' // build/Release/sandbox.node
  | 'subids' // a subordinate uid and gid range for this user
  | 'newidmap' // setuid newuidmap and newgidmap
  | 'userns' // unprivileged user namespaces
  | 'fuse' // /dev/fuse usable
  | 'tun' // /dev/net/tun usable
  | 'ping' // net.ipv4.ping_group_range admits this user's group (unprivileged ICMP echo sockets)
  | 'unprivileged'; // not running as root (root would mask permission bugs)

/** True when running under CI (CI=true, as CI systems set it). */
export function inCI(env: NodeJS.ProcessEnv = process.env): boolean {
  const v = (env.CI ?? '').toLowerCase();
  return v !== '' && v !== '0' && v !== 'false';
}

function canUse(path: string): boolean {
  try {
    accessSync(path, constants.R_OK | constants.W_OK);
    return true;
  } catch {
    return false;
  }
}

function setuidRoot(name: string): boolean {
  for (const dir of ['/usr/bin', '/bin', '/usr/sbin', '/sbin', '/usr/local/bin']) {
    try {
      const st = statSync(join(dir, name));
      return st.uid === 0 && (st.mode & 0o4000) !== 0;
    } catch {
      /* not in this directory */
    }
  }
  return false;
}

const asRoot = 'as root: test/host/prepare.sh';

/** Whether the kernel lets this user's groups open ICMP echo (datagram) sockets. */
function pingAllowed(): boolean {
  try {
    const [lo, hi] = readFileSync('/proc/sys/net/ipv4/ping_group_range', 'utf8').trim().split(/\s+/).map(Number);
    const groups = [process.getgid?.() ?? -1, ...(process.getgroups?.() ?? [])];
    return groups.some((g) => g >= lo && g <= hi);
  } catch {
    return false;
  }
}

/** Why `what` is missing on this host (with the fix), or undefined when it is there. */
function check(what: Facility, env: NodeJS.ProcessEnv): string | undefined {
  switch (what) {
    case 'fixtures':
      return env.SANDBOX_FIXTURES && existsSync(join(env.SANDBOX_FIXTURES, 'images.env'))
        ? undefined
        : 'the fixture images (run through npm test, or export SANDBOX_FIXTURES=DIR after test/fixtures/make-images.sh DIR)';
    case 'registry':
      return env.SANDBOX_TEST_REGISTRY
        ? undefined
        : 'the test registry (run through npm test, or test/fixtures/registry.sh start DIR && push DIR, then export SANDBOX_TEST_REGISTRY=127.0.0.1:PORT)';
    case 'cli':
      return existsSync(join(packageRoot, 'dist', 'src', 'cli', 'main.js')) ? undefined : 'the compiled CLI (npm run build:ts)';
    case 'monitor':
      return existsSync(monitorPath(env)) ? undefined : `${monitorPath(env)} (npm run build:native)`;
    case 'binding':
      return existsSync(bindingPath(env)) ? undefined : `${bindingPath(env)} (npm run build:native)`;
    case 'subids':
      return currentIdMaps().subordinate ? undefined : `a subordinate uid and gid range for this user in /etc/subuid and /etc/subgid (${asRoot}, or usermod --add-subuids/--add-subgids)`;
    case 'newidmap':
      return setuidRoot('newuidmap') && setuidRoot('newgidmap') ? undefined : `setuid-root newuidmap and newgidmap (${asRoot}; package uidmap)`;
    case 'userns': {
      const r = spawnSync('unshare', ['--user', 'true'], { stdio: 'ignore', timeout: 5000 });
      return r.status === 0 ? undefined : 'unprivileged user namespaces (sysctl kernel.unprivileged_userns_clone=1 and user.max_user_namespaces > 0)';
    }
    case 'fuse':
      return canUse('/dev/fuse') ? undefined : `read-write /dev/fuse (${asRoot}, or chmod 0666 /dev/fuse)`;
    case 'tun':
      return canUse('/dev/net/tun') ? undefined : `read-write /dev/net/tun (${asRoot}, or mknod -m 0666 /dev/net/tun c 10 200)`;
    case 'ping':
      return pingAllowed() ? undefined : `net.ipv4.ping_group_range admitting gid ${process.getgid?.()} (${asRoot}, or sysctl -w net.ipv4.ping_group_range="0 2147483647" as systemd distros set it)`;
    case 'unprivileged':
      return process.getuid?.() === 0 ? 'an unprivileged user (run the suite as an ordinary user; CI runs it as sandbox-test)' : undefined;
  }
}

const cache = new Map<Facility, string | undefined>();

/** The missing facilities among `what`, each with its fix; empty when all are present. */
export function missingFacilities(what: Facility | readonly Facility[], env: NodeJS.ProcessEnv = process.env): string[] {
  const list: readonly Facility[] = typeof what === 'string' ? [what] : what;
  const missing: string[] = [];
  for (const f of list) {
    // Probed once per test file (a worker process); other environments are not cached.
    let why: string | undefined;
    if (env !== process.env) why = check(f, env);
    else {
      if (!cache.has(f)) cache.set(f, check(f, env));
      why = cache.get(f);
    }
    if (why !== undefined) missing.push(`${f}: ${why}`);
  }
  return missing;
}

/** Pure: what happens to a test whose facilities are `missing`. */
export function needVerdict(missing: readonly string[], ci: boolean): 'run' | 'skip' | 'fail' {
  if (missing.length === 0) return 'run';
  return ci ? 'fail' : 'skip';
}

type Implementation<Context> = ImplementationFn<[], Context>;

export interface DeclareTest<Context> {
  (title: string, implementation: Implementation<Context>): void;
  serial(title: string, implementation: Implementation<Context>): void;
}

/**
 * Declare tests that need `what`. Returns a test function: ava's own when every facility is
 * there; otherwise one that declares each test skipped (outside CI) or failing with the reason
 * (in CI). `what` may also be a boolean for a condition checked by the caller (true = present).
 */
export function needs<Context = unknown>(test: TestFn<Context>, what: Facility | readonly Facility[] | boolean, reason: string): DeclareTest<Context> {
  const missing = typeof what === 'boolean' ? (what ? [] : [reason]) : missingFacilities(what);
  const verdict = needVerdict(missing, inCI());
  if (verdict === 'run') return declarer<Context>((title, impl) => test(title, impl), (title, impl) => test.serial(title, impl));
  // A boolean carries no facility name: the reason alone says what is missing.
  const why = typeof what === 'boolean' ? `needs ${reason}` : `needs ${missing.join('; ')}: ${reason}`;
  if (verdict === 'skip') {
    return declarer<Context>(
      (title) => test.skip(`${title} [skipped: ${why}]`, noop),
      (title) => test.serial.skip(`${title} [skipped: ${why}]`, noop),
    );
  }
  const fail = (t: ExecutionContext<Context>) => {
    t.fail(`CI must provide every facility, but this host lacks it. This test ${why}`);
  };
  return declarer<Context>((title) => test(title, fail), (title) => test.serial(title, fail));
}

type Declare<Context> = (title: string, implementation: Implementation<Context>) => void;

function declarer<Context>(concurrent: Declare<Context>, serial: Declare<Context>): DeclareTest<Context> {
  return Object.assign((title: string, implementation: Implementation<Context>) => concurrent(title, implementation), { serial });
}

function noop(): void {
  /* never runs: the test is declared skipped */
}
