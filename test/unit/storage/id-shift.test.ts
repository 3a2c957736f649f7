import test from 'ava';
import { buildIdMaps, keepIdMaps } from '../../../src/runtime/idmap.js';
import { idShift, isIdentity, shiftArgs, shiftAxis, shiftKey } from '../../../src/storage/id-shift.js';

// The test user's maps: 0 -> 1001, 1..65536 -> 200000.. (default); keep-id moves 1001 to 1001.
const sub = { start: 200000, count: 65536 };
const defaults = buildIdMaps(1001, 1001, sub, sub);
const keep = keepIdMaps(1001, 1001, sub, sub)!;

test('keep-id shift: image root becomes the first subordinate id, your own id becomes the namespace root, the rest stay', (t) => {
  t.deepEqual(idShift(defaults, keep).uids, [
    { containerID: 0, hostID: 1, size: 1001 },
    { containerID: 1001, hostID: 0, size: 1 },
    { containerID: 1002, hostID: 1002, size: 64535 },
  ]);
});

test('shiftArgs writes the ranges in the --uidmap form sandbox-monitor parses', (t) => {
  t.deepEqual(shiftArgs(idShift(defaults, keep)), ['--shift-uids', '0:1:1001,1001:0:1,1002:1002:64535', '--shift-gids', '0:1:1001,1001:0:1,1002:1002:64535']);
});

test('keep-id:uid=2000 shifts only what moves; the same maps are the identity', (t) => {
  const k2000 = keepIdMaps(1001, 1001, sub, sub, { uid: 2000, gid: 1001 })!;
  t.deepEqual(idShift(defaults, k2000).uids, [
    { containerID: 0, hostID: 1, size: 2000 },
    { containerID: 2000, hostID: 0, size: 1 },
    { containerID: 2001, hostID: 2001, size: 63536 },
  ]);
  t.true(isIdentity(idShift(defaults, defaults)));
  t.false(isIdentity(idShift(defaults, keep)));
});

test('ids the target maps to hosts the copier has no place for are left out', (t) => {
  t.deepEqual(shiftAxis([{ containerID: 0, hostID: 1001, size: 1 }], [{ containerID: 0, hostID: 5, size: 10 }, { containerID: 10, hostID: 1001, size: 1 }]), [
    { containerID: 10, hostID: 0, size: 1 },
  ]);
});

test('the store key changes with either map and is stable for the same maps', (t) => {
  t.is(shiftKey(defaults, keep), shiftKey(buildIdMaps(1001, 1001, sub, sub), keepIdMaps(1001, 1001, sub, sub)!));
  t.not(shiftKey(defaults, keep), shiftKey(defaults, keepIdMaps(1001, 1001, sub, sub, { uid: 2000, gid: 1001 })!));
  t.not(shiftKey(defaults, keep), shiftKey(buildIdMaps(1001, 1001, { start: 300000, count: 65536 }, sub), keep));
  t.regex(shiftKey(defaults, keep), /^[0-9a-f]{16}$/);
});
