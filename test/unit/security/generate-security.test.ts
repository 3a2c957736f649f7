// The security options as they reach the runtime config (oci/generate).
import test from 'ava';
import { toRuntimeConfig } from '../../../src/oci/generate.js';
import { completeRunSpec } from '../../../src/spec/complete.js';
import { fillRunSpec, type FillInput } from '../../../src/spec/fill.js';
import { buildIdMaps } from '../../../src/runtime/idmap.js';
import type { ImageConfig } from '../../../src/image/config.js';

const none: FillInput = {
  rm: true, detach: false, env: [], entrypoint: undefined, user: undefined, groupAdd: [], workdir: undefined,
  hostname: undefined, name: undefined, tty: false, interactive: false, capAdd: [], capDrop: [], readOnly: false,
};
const cfg = { config: { Cmd: ['sh'], Env: ['PATH=/bin'] } } as ImageConfig;
const maps = buildIdMaps(1000, 1000, { start: 200000, count: 65536 }, { start: 200000, count: 65536 });
const config = (opts: Partial<FillInput>) => {
  const spec = fillRunSpec({ ...none, ...opts }, 'img', ['true'], {});
  const { completed, warnings } = completeRunSpec(spec, { id: 'sha256:x', name: 'img', config: cfg, layerDirs: ['/l/a/diff'], passwd: undefined, group: undefined }, 'c'.repeat(64));
  return { config: toRuntimeConfig(completed, { stateDir: '/data/containers/ccc' }, maps), warnings };
};

test('by default: a seccomp filter with its cache file beside the containers, no_new_privs off, /sys read-only', (t) => {
  const { config: c } = config({});
  t.is(c.linux.seccomp?.defaultErrnoRet, 38);
  t.regex(c.sandbox.seccompCache ?? '', /^\/data\/seccomp\/[0-9a-f]{64}\.bpf$/);
  t.false(c.process.noNewPrivileges);
  t.true(c.mounts.find((m) => m.type === 'sysfs')!.options.includes('ro'));
  t.true(c.linux.maskedPaths.includes('/proc/keys'));
});

test('equal profiles share a cache file; another capability set is another file', (t) => {
  t.is(config({}).config.sandbox.seccompCache, config({}).config.sandbox.seccompCache);
  t.not(config({}).config.sandbox.seccompCache, config({ capAdd: ['SYS_ADMIN'] }).config.sandbox.seccompCache);
});

test('--privileged: all capabilities, no filter, no masked or read-only paths, /sys read-write', (t) => {
  const { config: c } = config({ privileged: true });
  t.is(c.process.capabilities.bounding.length, 41);
  t.is(c.linux.seccomp, undefined);
  t.is(c.sandbox.seccompCache, undefined);
  t.deepEqual([c.linux.maskedPaths, c.linux.readonlyPaths], [[], []]);
  t.false(c.mounts.find((m) => m.type === 'sysfs')!.options.includes('ro'));
});

test('no-new-privileges and seccomp=unconfined reach the config', (t) => {
  const { config: c } = config({ securityOpt: ['no-new-privileges', 'seccomp=unconfined'] });
  t.true(c.process.noNewPrivileges);
  t.is(c.linux.seccomp, undefined);
});

test('--device becomes a bind after the default nodes, read-only without w; m gives a warning', (t) => {
  const { config: c, warnings } = config({ device: ['/dev/fuse', '/dev/kmsg:/dev/log:r', '/dev/null:/dev/n:rwm'] });
  const binds = c.mounts.filter((m) => ['/dev/fuse', '/dev/log', '/dev/n'].includes(m.destination));
  t.deepEqual(binds, [
    { destination: '/dev/fuse', type: 'bind', source: '/dev/fuse', options: ['bind', 'nosuid', 'noexec'] },
    { destination: '/dev/log', type: 'bind', source: '/dev/kmsg', options: ['bind', 'nosuid', 'noexec', 'ro'] },
    { destination: '/dev/n', type: 'bind', source: '/dev/null', options: ['bind', 'nosuid', 'noexec'] },
  ]);
  t.true(c.mounts.findIndex((m) => m.destination === '/dev/fuse') > c.mounts.findIndex((m) => m.destination === '/dev'));
  t.is(warnings.length, 1);
});
