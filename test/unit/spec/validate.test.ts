import test from 'ava';
import { validateRunSpec } from '../../../src/spec/validate.js';
import { completeRunSpec } from '../../../src/spec/complete.js';
import { fillRunSpec, type FillInput } from '../../../src/spec/fill.js';
import type { ImageConfig } from '../../../src/image/config.js';

const none: FillInput = {
  rm: false, detach: false, env: [], entrypoint: undefined, user: undefined, groupAdd: [], workdir: undefined,
  hostname: undefined, name: undefined, tty: false, interactive: false, capAdd: [], capDrop: [], readOnly: false,
};
const cfg = { config: { Cmd: ['sh'] } } as ImageConfig;
const completed = (o: Partial<FillInput>) =>
  completeRunSpec(fillRunSpec({ ...none, ...o }, 'img', [], {}), { id: 'sha256:x', name: 'img', config: cfg, layerDirs: [], passwd: undefined, group: undefined }, 'a'.repeat(64)).completed;

test('a relative working directory is refused with docker message', (t) => {
  t.throws(() => validateRunSpec(completed({ workdir: 'srv' })), { message: "the working directory 'srv' is invalid, it needs to be an absolute path" });
});

test('a container name outside docker rule is refused', (t) => {
  t.throws(() => validateRunSpec(completed({ name: '-bad' })), { message: 'Invalid container name (-bad), only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed' });
  t.notThrows(() => validateRunSpec(completed({ name: 'web.1_a-b' })));
});

test('an invalid hostname is refused', (t) => {
  t.throws(() => validateRunSpec(completed({ hostname: 'bad_host!' })), { message: /invalid hostname 'bad_host!'/ });
});
