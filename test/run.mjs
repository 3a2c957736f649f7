#!/usr/bin/env node
// `npm test`: the whole suite, as an ordinary user on a prepared host (test/host/prepare.sh),
// on a developer's desktop as in CI (test/host/ci.sh runs this as the test user).
//
//   1. build the fixture images into ${SANDBOX_FIXTURES:-$TMPDIR/sandbox-fixtures} (cached);
//   2. start a private registry on a free 127.0.0.1 port and push them into it;
//   3. run ava over dist/test/**/*.test.js with its TAP reporter, streaming the TAP;
//   4. stop the registry, whatever happened (also on SIGINT/SIGTERM/SIGHUP);
//   5. end with one line `N passed, N failed[, N skipped]` counted from the TAP; exit non-zero
//      when anything failed or no test ran.
// Arguments are passed to ava (`npm test -- dist/test/unit/**/*.test.js`, `-- --match '*load*'`).
//
// Setup output goes to stderr so stdout is TAP and the closing line only. Outside CI a failed
// setup step is a warning (tests needing it skip, see test/helpers/facility.ts); with CI set
// it fails the run. Tests share nothing through this runner: each makes its own sandbox home.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { constants, tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const ciValue = (process.env.CI ?? '').toLowerCase();
const ci = ciValue !== '' && ciValue !== '0' && ciValue !== 'false';
const tmp = process.env.TMPDIR || tmpdir();

const say = (line) => process.stderr.write(`run: ${line}\n`);

/** Run a setup script with its output on our stderr; true on success. */
function step(what, args) {
  const r = spawnSync('bash', args, { cwd: root, stdio: ['ignore', 2, 2] });
  if (r.status === 0) return true;
  const why = r.error ? r.error.message : r.signal ? `killed by ${r.signal}` : `exit ${r.status}`;
  say(`${what} failed (${why})${ci ? '' : '; tests that need it will be skipped'}`);
  return false;
}

/** KEY='value' lines, as the fixture scripts write them. */
function readEnvFile(path) {
  const vars = {};
  for (const line of readFileSync(path, 'utf8').split('\n')) {
    const m = /^([A-Za-z_][A-Za-z0-9_]*)='([^']*)'$/.exec(line.trim());
    if (m) vars[m[1]] = m[2];
  }
  return vars;
}

const counts = { passed: 0, failed: 0, skipped: 0 };
let registryDir;
let finished = false;

function stopRegistry() {
  if (!registryDir) return;
  const dir = registryDir;
  registryDir = undefined;
  spawnSync('bash', [join(root, 'test/fixtures/registry.sh'), 'stop', dir], { stdio: ['ignore', 2, 2] });
  rmSync(dir, { recursive: true, force: true });
}

function summary() {
  return `${counts.passed} passed, ${counts.failed} failed${counts.skipped ? `, ${counts.skipped} skipped` : ''}`;
}

let ava;
for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.on(sig, () => {
    if (finished) return;
    finished = true;
    say(`${sig}: stopping`);
    if (ava && ava.exitCode === null) ava.kill(sig);
    stopRegistry();
    process.stdout.write(`${summary()}\n`);
    process.exit(128 + constants.signals[sig]);
  });
}

/** In CI a missing fixture is a failure of the run, counted as one so the closing line says so. */
function setupFailed() {
  counts.failed++;
  return 1;
}

async function main() {
  const env = { ...process.env };

  // 1. fixture images (cached across runs in the same TMPDIR)
  const fixtures = process.env.SANDBOX_FIXTURES || join(tmp, 'sandbox-fixtures');
  const haveFixtures = step('building the fixture images', [join(root, 'test/fixtures/make-images.sh'), fixtures]);
  if (haveFixtures) env.SANDBOX_FIXTURES = fixtures;
  else if (ci) return setupFailed();
  else delete env.SANDBOX_FIXTURES;

  // 2. the registry, fresh for this run
  delete env.SANDBOX_TEST_REGISTRY;
  delete env.SANDBOX_TEST_REGISTRY_DIR;
  if (haveFixtures) {
    registryDir = mkdtempSync(join(tmp, 'sandbox-registry-'));
    const script = join(root, 'test/fixtures/registry.sh');
    if (step('starting the registry', [script, 'start', registryDir]) && step('pushing the images', [script, 'push', registryDir, fixtures])) {
      const vars = readEnvFile(join(registryDir, 'registry.env'));
      env.SANDBOX_TEST_REGISTRY = vars.REGISTRY;
      env.SANDBOX_TEST_REGISTRY_DIR = registryDir;
    } else if (ci) {
      return setupFailed();
    }
  }

  // 3. ava, TAP streamed through and counted
  if (!existsSync(join(root, 'dist', 'test'))) say('dist/test does not exist: build first (npm run build)');
  const avaCli = join(root, 'node_modules', 'ava', 'entrypoints', 'cli.mjs');
  ava = spawn(process.execPath, [avaCli, '--tap', ...process.argv.slice(2)], { cwd: root, env, stdio: ['ignore', 'pipe', 'inherit'] });
  const lines = createInterface({ input: ava.stdout, crlfDelay: Infinity });
  lines.on('line', (line) => {
    process.stdout.write(`${line}\n`);
    // Only top-level test lines count: YAML diagnostics are indented.
    if (/^ok\b/.test(line)) {
      if (/#\s*skip\b/i.test(line)) counts.skipped++;
      else counts.passed++;
    } else if (/^not ok\b/.test(line)) {
      // A todo is declared but not written yet: neither a pass nor a failure.
      if (/#\s*todo\b/i.test(line)) counts.skipped++;
      else counts.failed++;
    }
  });
  const [code, signal] = await new Promise((resolve) => {
    ava.on('error', (err) => {
      say(`cannot start ava: ${err.message}`);
      resolve([1, null]);
    });
    ava.on('close', (c, s) => resolve([c, s]));
  });

  // 4. the resource-limit tests in the systemd guest (test/vm/run.sh): TAP counted like
  // ava's. Only for a whole-suite run (arguments select ava tests); SANDBOX_VM_TESTS=0 skips.
  const vmRc = process.argv.length <= 2 && process.env.SANDBOX_VM_TESTS !== '0' ? await runVmTests(env) : 0;

  const ran = counts.passed + counts.failed;
  if (vmRc !== 0 && counts.failed === 0) counts.failed = 1; // the VM step failed without a test line
  if ((code !== 0 || signal) && counts.failed === 0 && ran > 0) {
    // ava failed without a failing test line (a crashed worker it could not report, a
    // timeout): count it, so the closing line never says 0 failed for a failed run.
    say(`ava ${signal ? `was killed by ${signal}` : `exited ${code}`} with no failing test in its TAP output`);
    counts.failed = 1;
  }
  if (ran === 0) say('no test ran');
  return counts.failed > 0 || ran === 0 || code !== 0 || signal ? 1 : 0;
}

/** Count one TAP line (only top-level test lines; YAML diagnostics are indented). */
function countTap(line) {
  if (/^ok\b/.test(line)) {
    if (/#\s*skip\b/i.test(line)) counts.skipped++;
    else counts.passed++;
  } else if (/^not ok\b/.test(line)) {
    if (/#\s*todo\b/i.test(line)) counts.skipped++;
    else counts.failed++;
  }
}

async function runVmTests(env) {
  say('resource-limit tests in the systemd guest (test/vm/run.sh)');
  const vm = spawn('bash', [join(root, 'test/vm/run.sh')], { cwd: root, env, stdio: ['ignore', 'pipe', 'inherit'] });
  const lines = createInterface({ input: vm.stdout, crlfDelay: Infinity });
  lines.on('line', (line) => {
    process.stdout.write(`${line}\n`);
    countTap(line);
  });
  return new Promise((resolve) => {
    vm.on('error', (err) => {
      say(`cannot start test/vm/run.sh: ${err.message}`);
      resolve(1);
    });
    vm.on('close', (c) => resolve(c ?? 1));
  });
}

let exitCode = 1;
try {
  exitCode = await main();
} catch (err) {
  say(`error: ${err instanceof Error ? err.stack : String(err)}`);
  exitCode = 1;
} finally {
  if (!finished) {
    finished = true;
    stopRegistry();
    process.stdout.write(`${summary()}\n`);
  }
}
process.exitCode = exitCode;
