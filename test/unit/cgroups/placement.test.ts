// Where the container's cgroup goes, or the refusal naming the missing piece and its fix.
import test from 'ava';
import { planPlacement, type PlacementFacts, type PlacementRequest } from '../../../src/cgroups/placement.js';
import { HostError } from '../../../src/errors.js';

const systemdHost: PlacementFacts = {
  version: 'v2',
  path: '/user.slice/user-1000.slice/session-2.scope',
  ownSubtreeControl: undefined,
  systemdUserManager: true,
  managerControllers: ['cpuset', 'cpu', 'io', 'memory', 'pids'],
  user: 'alice',
  uid: 1000,
};
const memory: PlacementRequest = { containerId: 'abc', flags: ['--memory'], needed: ['memory'], writes: [{ file: 'memory.max', value: '33554432' }], disabled: false };
const nothing: PlacementRequest = { ...memory, flags: [], needed: [], writes: [] };

test('a systemd user manager delegating the controllers: a transient scope named after the container', (t) => {
  t.deepEqual(planPlacement(memory, systemdHost), {
    manager: 'systemd',
    unit: 'sandbox-abc.scope',
    slice: 'user.slice',
    controllers: ['cpu', 'io', 'memory', 'pids'],
    writes: memory.writes,
  });
});

test('no limits asked on a capable host: still a scope, so `stats` has numbers', (t) => {
  t.like(planPlacement(nothing, systemdHost), { manager: 'systemd', writes: [] });
});

test('already in a delegated cgroup handing out what is needed: a child there', (t) => {
  const inScope = { ...systemdHost, path: '/user.slice/job.scope', ownSubtreeControl: ['memory', 'pids'] };
  t.deepEqual(planPlacement(memory, inScope), {
    manager: 'cgroupfs',
    parent: '/sys/fs/cgroup/user.slice/job.scope',
    name: 'sandbox-abc',
    controllers: ['memory', 'pids'],
    writes: memory.writes,
  });
});

test('hybrid or v1 cgroups: limits refused with the fix; no limits asked: run without a cgroup', (t) => {
  const hybrid = { ...systemdHost, version: 'hybrid' as const };
  const e = t.throws(() => planPlacement(memory, hybrid), { instanceOf: HostError });
  t.is(e!.message, '--memory needs cgroup v2 delegation, and this host has hybrid cgroups (v1 controllers, v2 without any): resource limits cannot be enforced');
  t.regex(e!.hint!, /systemd\.unified_cgroup_hierarchy=1.*--cgroups=disabled/);
  t.is(planPlacement(nothing, hybrid), undefined);
});

test('no systemd user manager: refused, fix is linger and a real login', (t) => {
  const e = t.throws(() => planPlacement(memory, { ...systemdHost, systemdUserManager: false }), { instanceOf: HostError });
  t.regex(e!.message, /no systemd user manager is reachable for alice/);
  t.regex(e!.hint!, /loginctl enable-linger alice/);
});

test('a controller not delegated: refused, naming it and the Delegate= drop-in', (t) => {
  const req: PlacementRequest = { ...memory, flags: ['--cpuset-cpus', '--memory'], needed: ['cpuset', 'memory'] };
  const e = t.throws(() => planPlacement(req, { ...systemdHost, managerControllers: ['memory', 'pids'] }), { instanceOf: HostError });
  t.is(e!.message, '--cpuset-cpus, --memory need cgroup v2 delegation, and the cpuset controller is not delegated to alice (user@1000.service has: memory pids)');
  t.regex(e!.hint!, /Delegate=cpu cpuset io memory pids/);
});

test('--cgroups=disabled: no cgroup; with a limit too it is a contradiction', (t) => {
  t.is(planPlacement({ ...nothing, disabled: true }, systemdHost), undefined);
  t.throws(() => planPlacement({ ...memory, disabled: true }, systemdHost), { message: '--memory needs a cgroup, but --cgroups=disabled was given' });
});

// --cgroup-parent (issue 4's leftovers): a slice for the systemd user manager, a path under our
// own delegated cgroup, and the refusals naming the fix.
const withParent = (parent: string): PlacementRequest => ({ ...memory, flags: [...memory.flags, '--cgroup-parent'], parent });

test('--cgroup-parent NAME.slice: the scope goes into that slice of the user manager', (t) => {
  t.like(planPlacement(withParent('web-tier.slice'), systemdHost), { manager: 'systemd', unit: 'sandbox-abc.scope', slice: 'web-tier.slice' });
  t.like(planPlacement({ ...nothing, flags: ['--cgroup-parent'], parent: 'db.slice' }, systemdHost), { slice: 'db.slice' });
});

test('--cgroup-parent with a bad slice name: one line naming flag and value', (t) => {
  const e = t.throws(() => planPlacement(withParent('-x.slice'), systemdHost), { instanceOf: HostError });
  t.is(e!.message, 'invalid value "-x.slice" for --cgroup-parent: not a valid slice name');
});

test('--cgroup-parent PATH under a delegated cgroup: created below it, relative or absolute inside it', (t) => {
  const inScope = { ...systemdHost, path: '/user.slice/job.scope', ownSubtreeControl: ['cpu', 'memory', 'pids'] };
  t.deepEqual(planPlacement(withParent('web/tier'), inScope), {
    manager: 'cgroupfs',
    parent: '/sys/fs/cgroup/user.slice/job.scope/web/tier',
    parentBase: '/sys/fs/cgroup/user.slice/job.scope',
    name: 'sandbox-abc',
    controllers: ['cpu', 'memory', 'pids'],
    writes: memory.writes,
  });
  t.like(planPlacement(withParent('/user.slice/job.scope/web'), inScope), { parent: '/sys/fs/cgroup/user.slice/job.scope/web' });
  t.throws(() => planPlacement(withParent('/system.slice/x'), inScope), { message: '--cgroup-parent /system.slice/x is outside the cgroup delegated to you (/user.slice/job.scope)' });
  t.throws(() => planPlacement(withParent('a/../../x'), inScope), { message: 'invalid value "a/../../x" for --cgroup-parent: want a cgroup path without . or .. (or a slice, NAME.slice)' });
});

test('--cgroup-parent PATH without a delegated cgroup: refused, the fix is a slice or a delegated scope', (t) => {
  const e = t.throws(() => planPlacement(withParent('web'), systemdHost), { instanceOf: HostError });
  t.regex(e!.message, /^--cgroup-parent web is a cgroup path, and your own cgroup \(\/user\.slice\/user-1000\.slice\/session-2\.scope\) is not delegated to you/);
  t.regex(e!.hint!, /--cgroup-parent NAME\.slice.*Delegate=yes/);
});

test('--cgroup-parent on a hybrid host: refused like a limit, with the fix and without suggesting --cgroups=disabled', (t) => {
  const hybrid = { ...systemdHost, version: 'hybrid' as const };
  const e = t.throws(() => planPlacement({ ...nothing, flags: ['--cgroup-parent'], parent: 'x.slice' }, hybrid), { instanceOf: HostError });
  t.is(e!.message, '--cgroup-parent needs cgroup v2 delegation, and this host has hybrid cgroups (v1 controllers, v2 without any): resource limits cannot be enforced');
  t.regex(e!.hint!, /unified_cgroup_hierarchy=1.*Or run without --cgroup-parent and limits\.$/);
});
