import test from 'ava';
import { resolveUser } from '../../../src/spec/user.js';
import { SpecError } from '../../../src/errors.js';

// The official busybox image's files (the reference's --group-add example depends on them).
const passwd = 'root:x:0:0:root:/root:/bin/sh\nwww-data:x:33:33:www-data:/var/www:/bin/false\nnobody:x:65534:65534:nobody:/home:/bin/false\n';
const group = 'root:x:0:\nwheel:x:10:root\naudio:x:29:\nwww-data:x:33:\nnogroup:x:99:\n';

test('no user means root with its supplementary groups from /etc/group', (t) => {
  t.deepEqual(resolveUser(undefined, passwd, group), { uid: 0, gid: 0, additionalGids: [10], home: '/root' });
});

test('the reference --group-add example: audio, nogroup and 777 after wheel', (t) => {
  t.deepEqual(resolveUser('', passwd, group, ['audio', 'nogroup', '777']).additionalGids, [10, 29, 99, 777]);
});

test('user name resolves uid, gid and home', (t) => {
  t.deepEqual(resolveUser('www-data', passwd, group), { uid: 33, gid: 33, additionalGids: [], home: '/var/www' });
});

test('every docker form: uid, uid:gid, user:gid, uid:group', (t) => {
  t.like(resolveUser('1234', passwd, group), { uid: 1234, gid: 0, home: '/' });
  t.like(resolveUser('1234:5678', passwd, group), { uid: 1234, gid: 5678 });
  t.like(resolveUser('www-data:29', passwd, group), { uid: 33, gid: 29 });
  t.like(resolveUser('33:audio', passwd, group), { uid: 33, gid: 29, home: '/var/www' });
});

test('an unknown user name is a clear error', (t) => {
  const err = t.throws(() => resolveUser('nosuch', passwd, group), { instanceOf: SpecError });
  t.is(err?.message, 'unable to find user nosuch: no matching entries in passwd file (--user nosuch)');
});

test('ids above 2147483647 are refused', (t) => {
  t.throws(() => resolveUser('2147483648', passwd, group), { message: /ids must be in 0\.\.2147483647/ });
  t.is(resolveUser('2147483647', passwd, group).uid, 2147483647);
});

test('an unknown group in --group-add is a clear error', (t) => {
  t.throws(() => resolveUser('', passwd, group, ['nosuchgroup']), { message: /unable to find group nosuchgroup/ });
});
