import test from 'ava';
import { buildIdMaps, findSubordinateRange, formatIdMap } from '../../../src/runtime/idmap.js';

const subuid = '# comment\nalice:100000:65536\n1001:200000:65536\nbob:300000:0\n';

test('a range is found by user name or by uid', (t) => {
  t.deepEqual(findSubordinateRange(subuid, 'alice', 1000), { start: 100000, count: 65536 });
  t.deepEqual(findSubordinateRange(subuid, 'nobody-by-name', 1001), { start: 200000, count: 65536 });
  t.is(findSubordinateRange(subuid, 'bob', 1002), undefined);
});

test('no subordinate range gives the single-id map', (t) => {
  const m = buildIdMaps(1001, 1001, undefined, undefined);
  t.false(m.subordinate);
  t.is(formatIdMap(m.uidMappings), '0:1001:1');
});

test('a subordinate range gives the podman map in the monitor form', (t) => {
  const m = buildIdMaps(1001, 1002, { start: 200000, count: 65536 }, { start: 300000, count: 1000 });
  t.is(formatIdMap(m.uidMappings), '0:1001:1,1:200000:65536');
  t.is(formatIdMap(m.gidMappings), '0:1002:1,1:300000:1000');
});
