// The hostile-tarball corpus against the real unpacker: every archive is refused (exit 1, a
// clear error) or contained (exit 0, and what it wrote is inside DEST), and afterwards the
// host around DEST is exactly as before.
import test from 'ava';
import { lstatSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { hostileCorpus } from '../../fixtures/hostile/corpus.js';
import { needs } from '../../helpers/facility.js';
import { errorOf, hostUntouched, makeSandbox, unpack } from './harness.js';

const native = needs(test, ['monitor', 'unprivileged', 'userns', 'subids', 'newidmap'], 'runs the unpacker in a user namespace');

// The corpus is built per sandbox (its paths are in the archives); names and intents are the
// same every time, so declare one test per case from a throwaway instance.
const cases = hostileCorpus({ outside: '/o', missing: '/m' });

for (const { name, tries } of cases) {
  native(`hostile tar '${name}' (${tries}) is refused or contained`, (t) => {
    const s = makeSandbox(t);
    const c = hostileCorpus(s).find((x) => x.name === name)!;
    const r = unpack(s.dest, c.tar);
    if (c.expect.outcome === 'refused') {
      t.is(r.status, 1, `refused: ${JSON.stringify(r.last)}`);
      t.is(errorOf(r)?.step, 'unpack');
      t.regex(errorOf(r)?.message ?? '', c.expect.message);
    } else {
      t.is(r.status, 0, `contained: ${JSON.stringify(r.last)}`);
      t.is(r.last?.type, 'unpacked');
      if (c.expect.skipped !== undefined && r.last?.type === 'unpacked') t.is(r.last.skipped.length, c.expect.skipped);
      for (const [path, want] of Object.entries(c.expect.inside ?? {})) {
        const full = join(s.dest, path);
        const st = lstatSync(full, { throwIfNoEntry: false });
        t.truthy(st, `${path} exists inside DEST`);
        if (!st) continue;
        if (want === 'dir') t.true(st.isDirectory(), `${path} is a directory`);
        else if (want === 'whiteout') t.true(st.isCharacterDevice() && st.rdev === 0, `${path} is a 0:0 whiteout`);
        else {
          t.true(st.isFile(), `${path} is a regular file`);
          t.is(readFileSync(full, 'utf8'), want.content);
        }
      }
    }
    hostUntouched(t, s);
  });
}
