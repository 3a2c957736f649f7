import test from 'ava';
import { collectMounts, parseMountArg, parseTmpfsArg, parseVolumeArg } from '../../../src/spec/mounts.js';

test('-v /host:/ctr is a recursive rprivate bind, created when missing', (t) => {
  t.deepEqual(parseVolumeArg('/srv/data:/data'), { type: 'bind', source: '/srv/data', target: '/data', readonly: false, propagation: 'rprivate', recursive: true, createSource: true });
});

test('-v modes: ro, propagation, z/Z accepted', (t) => {
  const m = parseVolumeArg('/srv:/data:ro,rslave,Z');
  t.like(m, { type: 'bind', readonly: true, propagation: 'rslave' });
  t.like(parseVolumeArg('/srv:/data:rw,z'), { readonly: false });
});

test('-v NAME:/ctr is a named volume; -v /ctr an anonymous one', (t) => {
  t.deepEqual(parseVolumeArg('my_volume:/foo:ro,nocopy'), { type: 'volume', source: 'my_volume', target: '/foo', readonly: true, nocopy: true });
  t.deepEqual(parseVolumeArg('/foo'), { type: 'volume', source: undefined, target: '/foo', readonly: false, nocopy: false });
});

test("bad -v values: one line naming the value", (t) => {
  t.throws(() => parseVolumeArg(':/x'), { message: "invalid volume specification: ':/x'" });
  t.throws(() => parseVolumeArg('/a:/b:c:d'), { message: "invalid volume specification: '/a:/b:c:d'" });
  t.throws(() => parseVolumeArg('/a:/b:bogus'), { message: /^invalid mode: bogus \(in --volume \/a:\/b:bogus\)/ });
  t.throws(() => parseVolumeArg('vol:rel'), { message: "invalid mount config for type \"volume\": invalid mount path: 'rel' mount path must be absolute" });
  t.throws(() => parseVolumeArg('/a:/'), { message: "invalid specification: destination can't be '/'" });
});

test("the reference's volume name rule", (t) => {
  t.throws(() => parseVolumeArg('a:/x'), { message: /volume name is too short/ });
  t.throws(() => parseVolumeArg('-bad:/x'), { message: /"-bad" includes invalid characters for a local volume name/ });
  t.throws(() => parseVolumeArg('ba$d:/x'), { message: /includes invalid characters/ });
  t.notThrows(() => parseVolumeArg('a1_b.c-d:/x'));
});

test('--mount source=NAME,target=PATH defaults to a volume', (t) => {
  t.deepEqual(parseMountArg('source=my_volume,target=/foo', '/'), { type: 'volume', source: 'my_volume', target: '/foo', readonly: false, nocopy: false });
  t.like(parseMountArg('src=v1,dst=/x,readonly,volume-nocopy', '/'), { type: 'volume', readonly: true, nocopy: true });
  t.like(parseMountArg('src=v1,destination=/x,ro=false', '/'), { readonly: false });
});

test("--mount type=bind,source=. is the caller's cwd (the reference's example)", (t) => {
  t.deepEqual(parseMountArg('type=bind,source=.,target=/foo', '/home/u/proj'), {
    type: 'bind', source: '/home/u/proj', target: '/foo', readonly: false, propagation: 'rprivate', recursive: true, createSource: false,
  });
  t.like(parseMountArg('type=bind,src=/a,dst=/b,bind-propagation=rshared,bind-nonrecursive', '/'), { propagation: 'rshared', recursive: false });
});

test('--mount type=tmpfs with tmpfs-size and tmpfs-mode', (t) => {
  t.deepEqual(parseMountArg('type=tmpfs,target=/t,tmpfs-size=1m,tmpfs-mode=1770', '/'), { type: 'tmpfs', target: '/t', options: ['nosuid', 'nodev', 'noexec', 'size=1048576', 'mode=1770'] });
});

test('bad --mount values', (t) => {
  t.throws(() => parseMountArg('type=foo,target=/x', '/'), { message: /invalid mount type "foo"/ });
  t.throws(() => parseMountArg('type=bind,target=/x', '/'), { message: 'invalid mount config for type "bind": field Source must not be empty' });
  t.throws(() => parseMountArg('type=volume,src=v1', '/'), { message: 'invalid mount config for type "volume": field Target must not be empty' });
  t.throws(() => parseMountArg('type=bind,src=/a,target=/x,tmpfs-size=1m', '/'), { message: /tmpfs-size is for type=tmpfs/ });
  t.throws(() => parseMountArg('type=volume,src=v1,target=/x,foo=bar', '/'), { message: "unexpected key 'foo' in 'type=volume,src=v1,target=/x,foo=bar'" });
  t.throws(() => parseMountArg('type=tmpfs,target=/x,tmpfs-mode=99', '/'), { message: /invalid value "99" for tmpfs-mode/ });
  t.throws(() => parseMountArg('type=bind,src=/a,target=/x,bind-propagation=bogus', '/'), { message: /invalid value "bogus" for bind-propagation/ });
  t.throws(() => parseMountArg('type=volume,src=v1,target=/x,readonly=maybe', '/'), { message: /invalid value for readonly: maybe/ });
});

test('--tmpfs PATH[:OPTS]: docker defaults, then the given options, sizes normalised', (t) => {
  t.deepEqual(parseTmpfsArg('/run'), { type: 'tmpfs', target: '/run', options: ['nosuid', 'nodev', 'noexec'] });
  t.deepEqual(parseTmpfsArg('/run:rw,exec,size=64m'), { type: 'tmpfs', target: '/run', options: ['nosuid', 'nodev', 'noexec', 'rw', 'exec', 'size=67108864'] });
  t.throws(() => parseTmpfsArg('run'), { message: /mount path must be absolute/ });
});

test('two mounts on one target are refused with docker\'s message', (t) => {
  t.throws(() => collectMounts(['/a:/x'], [], ['/x'], '/'), { message: 'Duplicate mount point: /x' });
  t.throws(() => collectMounts(['/a:/x/'], ['type=tmpfs,target=/x'], [], '/'), { message: 'Duplicate mount point: /x' });
});
