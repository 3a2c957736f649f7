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

// --userns=keep-id (podman's): container U is you; 0..U-1 and U+1.. come from the subordinate range.
test('keep-id puts your uid at your uid inside and the subordinate range around it', async (t) => {
  const { keepIdMaps } = await import('../../../src/runtime/idmap.js');
  const m = keepIdMaps(1001, 1002, { start: 200000, count: 65536 }, { start: 300000, count: 65536 })!;
  t.is(formatIdMap(m.uidMappings), '0:200000:1001,1001:1001:1,1002:201001:64535');
  t.is(formatIdMap(m.gidMappings), '0:300000:1002,1002:1002:1,1003:301002:64534');
  // As many ids as the default map: the range plus you.
  t.is(m.uidMappings.reduce((n, r) => n + r.size, 0), 65537);
});

test('keep-id:uid=,gid= choose where you appear; a range smaller than that ends below you', async (t) => {
  const { keepIdMaps } = await import('../../../src/runtime/idmap.js');
  const m = keepIdMaps(1001, 1001, { start: 200000, count: 65536 }, { start: 300000, count: 500 }, { uid: 0, gid: 1000 })!;
  t.is(formatIdMap(m.uidMappings), '0:1001:1,1:200000:65536');
  t.is(formatIdMap(m.gidMappings), '0:300000:500,1000:1001:1');
});

test('keep-id needs subordinate ids', async (t) => {
  const { keepIdMaps } = await import('../../../src/runtime/idmap.js');
  t.is(keepIdMaps(1001, 1001, undefined, { start: 300000, count: 500 }), undefined);
});
