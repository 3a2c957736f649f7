import test from 'ava';
import { keepIdEtcFiles, parseUserns, withOwnIds } from '../../../src/spec/userns.js';
import { SpecError } from '../../../src/errors.js';
import { fillRunSpec } from '../../../src/spec/fill.js';
import { completeRunSpec } from '../../../src/spec/complete.js';

test('--userns: "" and host are the default map; keep-id with or without ids', (t) => {
  t.deepEqual(parseUserns(undefined), { mode: 'default' });
  t.deepEqual(parseUserns(''), { mode: 'default' });
  t.deepEqual(parseUserns('host'), { mode: 'default' });
  t.deepEqual(parseUserns('keep-id'), { mode: 'keep-id', uid: undefined, gid: undefined });
  t.deepEqual(parseUserns('keep-id:uid=200,gid=300'), { mode: 'keep-id', uid: 200, gid: 300 });
  t.deepEqual(withOwnIds(parseUserns('keep-id:uid=5'), 1001, 1002, 'me'), { mode: 'keep-id', uid: 5, gid: 1002, name: 'me' });
});

test('--userns refuses other values with one line naming the flag and the value (exit 125)', (t) => {
  for (const v of ['auto', 'nomap', 'private', 'container:x', 'keep-id:uid=x', 'keep-id:size=5', 'keep-id:uid=99999999999']) {
    const e = t.throws(() => parseUserns(v), { instanceOf: SpecError }, v);
    t.true(e!.message.includes(`"${v}" for --userns`), e!.message);
    t.is((e as SpecError).exitCode, 125);
  }
});

test('keep-id adds you to passwd and group only when the image lacks you', (t) => {
  const passwd = 'root:x:0:0:root:/root:/bin/sh\n';
  const group = 'root:x:0:\n';
  t.deepEqual(keepIdEtcFiles({ uid: 1001, gid: 1001 }, 'me', '/work', passwd, group), {
    passwd: `${passwd}me:*:1001:1001:me:/work:/bin/sh\n`,
    group: `${group}me:x:1001:me\n`,
  });
  t.deepEqual(keepIdEtcFiles({ uid: 0, gid: 0 }, 'me', '/', passwd, group), {});
  t.deepEqual(keepIdEtcFiles({ uid: 7, gid: 7 }, 'me', '/', undefined, undefined), { passwd: 'me:*:7:7:me:/:/bin/sh\n', group: 'me:x:7:me\n' });
});

const image = {
  id: 'sha256:1', name: 'img', layerDirs: ['/l'], passwd: 'root:x:0:0:root:/root:/bin/sh\n', group: 'root:x:0:\n',
  config: { config: { Cmd: ['sh'], User: 'root', WorkingDir: '/srv' } },
} as unknown as Parameters<typeof completeRunSpec>[1];
const opts = { rm: false, detach: false, env: [], entrypoint: undefined, user: undefined, groupAdd: [], workdir: undefined, hostname: undefined, name: undefined, tty: false, interactive: false, capAdd: [], capDrop: [], readOnly: false };

test('keep-id runs as your ids with a home at the workdir; --user still wins', (t) => {
  const spec = fillRunSpec({ ...opts, userns: 'keep-id' }, 'img', [], {});
  spec.userns = withOwnIds(spec.userns!, 1001, 1002, 'me');
  const { completed } = completeRunSpec(spec, image, 'c1');
  t.like(completed.user, { uid: 1001, gid: 1002, home: '/srv' });
  t.true(completed.env.includes('HOME=/srv'));
  t.like(completed.keepId, { uid: 1001, gid: 1002 });
  t.true(completed.keepId!.passwd!.endsWith('me:*:1001:1002:me:/srv:/bin/sh\n'));
  const asRoot = fillRunSpec({ ...opts, userns: 'keep-id', user: '0' }, 'img', [], {});
  asRoot.userns = withOwnIds(asRoot.userns!, 1001, 1002, 'me');
  t.like(completeRunSpec(asRoot, image, 'c2').completed.user, { uid: 0, gid: 0 });
});
