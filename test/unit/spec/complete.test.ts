import test from 'ava';
import { completeRunSpec, mergeEnv, commandLine } from '../../../src/spec/complete.js';
import { fillRunSpec, resolveEnvArgs, type FillInput } from '../../../src/spec/fill.js';
import type { ImageConfig } from '../../../src/image/config.js';

const none: FillInput = {
  rm: false, detach: false, env: [], entrypoint: undefined, user: undefined, groupAdd: [], workdir: undefined,
  hostname: undefined, name: undefined, tty: false, interactive: false, capAdd: [], capDrop: [], readOnly: false,
};
const id = 'f78375b1c487e03c9438c729345e54db9d20cfa2ac1fc3494b6eb60872e74778';
const alpine = { config: { Env: ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'], Cmd: ['/bin/sh'] } } as ImageConfig;
const image = (config: ImageConfig) => ({ id: 'sha256:abc', name: 'img', config, layerDirs: ['/l1', '/l2'], passwd: 'root:x:0:0:root:/root:/bin/sh\n', group: '' });

test('the reference env example: PATH, HOSTNAME, -e values, HOME last', (t) => {
  const spec = fillRunSpec({ ...none, env: ['deep=purple', 'today'] }, 'alpine', ['env'], { today: 'Wednesday' });
  const { completed } = completeRunSpec(spec, image(alpine), id);
  t.deepEqual(completed.env, [
    'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
    'HOSTNAME=f78375b1c487',
    'deep=purple',
    'today=Wednesday',
    'HOME=/root',
  ]);
});

test('-e NAME with no caller value sets nothing', (t) => {
  t.deepEqual(resolveEnvArgs(['unset_here', 'A=1'], {}), ['A=1']);
});

test('TERM=xterm only with a tty, and -e overrides the image', (t) => {
  const spec = fillRunSpec({ ...none, tty: true, env: ['PATH=/x'] }, 'alpine', [], {});
  const env = completeRunSpec(spec, image(alpine), id).completed.env;
  t.true(env.includes('TERM=xterm'));
  t.true(env.includes('PATH=/x'));
});

test('mergeEnv replaces by name and appends new names', (t) => {
  t.deepEqual(mergeEnv(['A=1', 'B=2'], ['B=3', 'C=4']), ['A=1', 'B=3', 'C=4']);
});

test('COMMAND replaces Cmd and keeps the Entrypoint', (t) => {
  const cfg = { config: { Entrypoint: ['/entry'], Cmd: ['default'] } } as ImageConfig;
  t.deepEqual(commandLine(fillRunSpec(none, 'i', [], {}), cfg), ['/entry', 'default']);
  t.deepEqual(commandLine(fillRunSpec(none, 'i', ['ls', '-la'], {}), cfg), ['/entry', 'ls', '-la']);
});

test('--entrypoint replaces the Entrypoint and clears the image Cmd; "" resets it', (t) => {
  const cfg = { config: { Entrypoint: ['/entry'], Cmd: ['default'] } } as ImageConfig;
  t.deepEqual(commandLine(fillRunSpec({ ...none, entrypoint: 'sh' }, 'i', [], {}), cfg), ['sh']);
  t.deepEqual(commandLine(fillRunSpec({ ...none, entrypoint: '' }, 'i', ['echo', 'x'], {}), cfg), ['echo', 'x']);
});

test('an image with neither Cmd nor Entrypoint and no COMMAND is refused', (t) => {
  t.throws(() => completeRunSpec(fillRunSpec(none, 'i', [], {}), image({ config: {} } as ImageConfig), id), { message: /no command specified/ });
});

test('working directory: -w, else the image WorkingDir, else /', (t) => {
  const cfg = { config: { Cmd: ['sh'], WorkingDir: '/srv' } } as ImageConfig;
  t.is(completeRunSpec(fillRunSpec(none, 'i', [], {}), image(cfg), id).completed.cwd, '/srv');
  t.is(completeRunSpec(fillRunSpec({ ...none, workdir: '/w' }, 'i', [], {}), image(cfg), id).completed.cwd, '/w');
  t.is(completeRunSpec(fillRunSpec(none, 'i', [], {}), image(alpine), id).completed.cwd, '/');
});

test('the image User is honoured; the layers are kept bottom-most first', (t) => {
  const cfg = { config: { Cmd: ['sh'], User: '1000:1000' } } as ImageConfig;
  const { completed } = completeRunSpec(fillRunSpec(none, 'i', [], {}), image(cfg), id);
  t.like(completed.user, { uid: 1000, gid: 1000 });
  t.deepEqual(completed.layerDirs, ['/l1', '/l2']);
});
