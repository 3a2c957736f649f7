// The compiled seccomp program is cached per profile in the user's data dir (compiling costs
// libseccomp tens of milliseconds per start). The cache is trusted only when nobody else
// could have written it: a file others may write is ignored and the profile compiled afresh.
import test from 'ava';
import { chmodSync, existsSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { makeSandboxHome, runSandbox, type SandboxHome } from '../../helpers/cli.js';
import { needs } from '../../helpers/facility.js';
import { haveProbe, lastJson, loadImage, probeImage, type TryResult } from './support.js';

const RUNTIME = ['fixtures', 'cli', 'monitor', 'subids', 'newidmap', 'userns', 'unprivileged'] as const;
const withRuntime = needs(test, [...RUNTIME], 'runs real containers as an unprivileged user');
const it = haveProbe() ? withRuntime : needs(test, false, 'the static probe next to the monitor (npm run build:native builds sandbox-probe)');

let home: SandboxHome;
test.before(async () => {
  if (!existsSync(process.env.SANDBOX_FIXTURES ?? '/nonexistent') || !haveProbe()) return;
  home = await makeSandboxHome();
  await loadImage(home, probeImage());
});
test.after.always(async () => {
  await home?.cleanup();
});

const keyctl = async () => {
  const r = await runSandbox(['run', '--rm', 'lab/probe', '/probe', 'try', 'keyctl'], { env: home.env });
  if (r.code !== 0) throw new Error(`probe exited ${r.code}: ${r.stderr}`);
  return lastJson<TryResult>(r.stdout);
};

/** A one-instruction classic BPF program: return SECCOMP_RET_ALLOW. */
const ALLOW_ALL = Buffer.from([0x06, 0, 0, 0, 0x00, 0x00, 0xff, 0x7f]);

it.serial('the default profile is compiled once into a private file, and a writable-by-others cache is not trusted', async (t) => {
  t.like(await keyctl(), { error: 'EPERM' });
  const dir = join(home.dataDir, 'seccomp');
  const files = readdirSync(dir).filter((f) => f.endsWith('.bpf'));
  t.is(files.length, 1);
  const cache = join(dir, files[0]!);
  t.is(statSync(cache).mode & 0o777, 0o600);
  t.is(statSync(dir).mode & 0o777, 0o700);

  // Someone else could have written this one: ignored, the filter is compiled again.
  writeFileSync(cache, ALLOW_ALL);
  chmodSync(cache, 0o666);
  t.like(await keyctl(), { error: 'EPERM' });
  // ...and replaced by the fresh program, private again.
  t.is(statSync(cache).mode & 0o777, 0o600);
  t.not(readFileSync(cache).length, ALLOW_ALL.length);

  // The user's own private file is what the cache is: it is used as is (only the user, who
  // could run unconfined anyway, can change it). This is how we know the cache is read at all.
  writeFileSync(cache, ALLOW_ALL, { mode: 0o600 });
  t.not((await keyctl()).error, 'EPERM');
});
