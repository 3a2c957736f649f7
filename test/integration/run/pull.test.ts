// run's implicit pull, as docker does it: a missing image is pulled from its registry (the test
// registry on 127.0.0.1), with docker's "Unable to find image" line and the pull output on
// stderr; --pull=never refuses; --pull=always pulls even when the image is there.
import test from 'ava';
import { makeSandboxHome, runSandbox } from '../../helpers/cli.js';
import { needs } from '../../helpers/facility.js';
import { testRegistry } from '../../helpers/fixtures.js';

const it = needs(test, ['registry', 'cli', 'monitor', 'subids', 'newidmap', 'userns', 'unprivileged'], 'pulls from the test registry and runs the image');

it('run pulls a missing image, says so on stderr, then runs it', async (t) => {
  const home = await makeSandboxHome(t);
  const ref = testRegistry().busybox;
  const r = await runSandbox(['run', '--rm', ref, 'echo', 'pulled and ran'], { env: home.env });
  t.is(r.code, 0, r.stderr);
  t.is(r.stdout, 'pulled and ran\n');
  t.true(r.stderr.startsWith(`Unable to find image '${ref}' locally\n`), r.stderr);
  t.regex(r.stderr, /Status: Downloaded newer image for /);
  // The second run finds it locally and prints nothing of a pull.
  const again = await runSandbox(['run', '--rm', ref, 'true'], { env: home.env });
  t.is(again.code, 0, again.stderr);
  t.is(again.stderr, '');
});

it('-q silences the pull', async (t) => {
  const home = await makeSandboxHome(t);
  const r = await runSandbox(['run', '--rm', '-q', testRegistry().busybox, 'echo', 'quiet'], { env: home.env });
  t.is(r.code, 0, r.stderr);
  t.is(r.stdout, 'quiet\n');
  t.is(r.stderr, '');
});

it('--pull=never refuses a missing image with one line and exit 125', async (t) => {
  const home = await makeSandboxHome(t);
  const r = await runSandbox(['run', '--rm', '--pull=never', testRegistry().busybox, 'true'], { env: home.env });
  t.is(r.code, 125);
  t.is(r.stderr.trim().split('\n').length, 1, r.stderr);
  t.regex(r.stderr, /No such image/);
});

it('--pull=always pulls an image that is already there', async (t) => {
  const home = await makeSandboxHome(t);
  const ref = testRegistry().busybox;
  t.is((await runSandbox(['pull', '-q', ref], { env: home.env })).code, 0);
  const r = await runSandbox(['run', '--rm', '--pull=always', ref, 'true'], { env: home.env });
  t.is(r.code, 0, r.stderr);
  t.regex(r.stderr, /Status: Image is up to date for |Digest: sha256:/);
});

it('a bad --pull value is one line naming it, exit 125', async (t) => {
  const home = await makeSandboxHome(t);
  const r = await runSandbox(['run', '--rm', '--pull=sometimes', testRegistry().busybox, 'true'], { env: home.env });
  t.is(r.code, 125);
  t.regex(r.stderr, /sometimes/);
});
