// `sandbox-monitor probe`: one JSON line, each check independent, a failure is false plus a
// reason. On the test host (prepared by test/host/prepare.sh) everything works.
import test from 'ava';
import { release } from 'node:os';
import { needs } from '../../helpers/facility.js';
import { mapArgs, runMonitor } from './harness.js';

const native = needs(test, ['monitor', 'unprivileged', 'userns', 'subids', 'newidmap'], 'probes user namespaces');

native('probe with the subordinate maps reports every check working on this host', (t) => {
  const started = process.hrtime.bigint();
  const r = runMonitor(['probe', ...mapArgs()]);
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  t.is(r.status, 0);
  t.is(r.messages.length, 1, 'exactly one line');
  t.like(r.last, { type: 'probe', kernel: release(), userns: true, subordinateMap: true, overlay: true, overlayError: '', idmapHelpers: true });
  if (r.last?.type !== 'probe') return;
  t.is(typeof r.last.fuse, 'boolean');
  t.is(typeof r.last.tun, 'boolean');
  t.true(typeof r.last.userNamespacesMax === 'number' && r.last.userNamespacesMax > 0);
  t.true(ms < 2000, `probe took ${ms} ms`);
});

native('probe without maps checks user namespaces and overlay with the caller id alone', (t) => {
  const r = runMonitor(['probe']);
  t.is(r.status, 0);
  t.like(r.last, { type: 'probe', userns: true, overlay: true, subordinateMap: false, subordinateMapError: 'no --uidmap/--gidmap given' });
});

native('a map the helpers refuse fails only the subordinateMap check, with the reason', (t) => {
  const bad = `0:${process.getuid!()}:1,1:4000000000:10`;
  const badGid = `0:${process.getgid!()}:1,1:4000000000:10`;
  const r = runMonitor(['probe', '--uidmap', bad, '--gidmap', badGid]);
  t.is(r.status, 0);
  t.like(r.last, { type: 'probe', userns: true, subordinateMap: false, overlay: true });
  if (r.last?.type === 'probe') t.regex(String(r.last.subordinateMapError), /newuidmap/);
});

native('probe reports an overlay failure with its reason (scratch dir that does not exist)', (t) => {
  const r = runMonitor(['probe', ...mapArgs(), '--scratch', '/nonexistent/scratch']);
  t.is(r.status, 0);
  t.like(r.last, { type: 'probe', userns: true, overlay: false });
  if (r.last?.type === 'probe') t.regex(String(r.last.overlayError), /\/nonexistent\/scratch/);
});
