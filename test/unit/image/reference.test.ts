import test from 'ava';
import { ImageError } from '../../../src/errors.js';
import { parseReference } from '../../../src/image/reference.js';

const D = `sha256:${'ab'.repeat(32)}`;

const table: [string, { registry: string; repository: string; tag?: string; digest?: string; familiar: string; canonical: string }][] = [
  ['busybox', { registry: 'docker.io', repository: 'library/busybox', tag: 'latest', familiar: 'busybox:latest', canonical: 'docker.io/library/busybox:latest' }],
  ['busybox:1.36', { registry: 'docker.io', repository: 'library/busybox', tag: '1.36', familiar: 'busybox:1.36', canonical: 'docker.io/library/busybox:1.36' }],
  ['library/busybox', { registry: 'docker.io', repository: 'library/busybox', tag: 'latest', familiar: 'busybox:latest', canonical: 'docker.io/library/busybox:latest' }],
  ['docker.io/library/busybox:latest', { registry: 'docker.io', repository: 'library/busybox', tag: 'latest', familiar: 'busybox:latest', canonical: 'docker.io/library/busybox:latest' }],
  ['index.docker.io/busybox', { registry: 'docker.io', repository: 'library/busybox', tag: 'latest', familiar: 'busybox:latest', canonical: 'docker.io/library/busybox:latest' }],
  ['user/img', { registry: 'docker.io', repository: 'user/img', tag: 'latest', familiar: 'user/img:latest', canonical: 'docker.io/user/img:latest' }],
  ['library/a/b', { registry: 'docker.io', repository: 'library/a/b', tag: 'latest', familiar: 'library/a/b:latest', canonical: 'docker.io/library/a/b:latest' }],
  ['localhost/img', { registry: 'localhost', repository: 'img', tag: 'latest', familiar: 'localhost/img:latest', canonical: 'localhost/img:latest' }],
  ['localhost:5000/lab/busybox', { registry: 'localhost:5000', repository: 'lab/busybox', tag: 'latest', familiar: 'localhost:5000/lab/busybox:latest', canonical: 'localhost:5000/lab/busybox:latest' }],
  ['127.0.0.1:5000/lab/busybox:v1', { registry: '127.0.0.1:5000', repository: 'lab/busybox', tag: 'v1', familiar: '127.0.0.1:5000/lab/busybox:v1', canonical: '127.0.0.1:5000/lab/busybox:v1' }],
  ['quay.io/podman/stable', { registry: 'quay.io', repository: 'podman/stable', tag: 'latest', familiar: 'quay.io/podman/stable:latest', canonical: 'quay.io/podman/stable:latest' }],
  ['[::1]:5000/img:t', { registry: '[::1]:5000', repository: 'img', tag: 't', familiar: '[::1]:5000/img:t', canonical: '[::1]:5000/img:t' }],
  [`busybox@${D}`, { registry: 'docker.io', repository: 'library/busybox', digest: D, familiar: `busybox@${D}`, canonical: `docker.io/library/busybox@${D}` }],
  [`host:5000/ns/name:tag@${D}`, { registry: 'host:5000', repository: 'ns/name', tag: 'tag', digest: D, familiar: `host:5000/ns/name:tag@${D}`, canonical: `host:5000/ns/name:tag@${D}` }],
  ['ns/a.b_c__d-e---f', { registry: 'docker.io', repository: 'ns/a.b_c__d-e---f', tag: 'latest', familiar: 'ns/a.b_c__d-e---f:latest', canonical: 'docker.io/ns/a.b_c__d-e---f:latest' }],
  ['busybox:Tag_1.2-rc', { registry: 'docker.io', repository: 'library/busybox', tag: 'Tag_1.2-rc', familiar: 'busybox:Tag_1.2-rc', canonical: 'docker.io/library/busybox:Tag_1.2-rc' }],
];

for (const [input, expected] of table) {
  test(`parseReference(${JSON.stringify(input)}) normalises as docker does`, (t) => {
    t.deepEqual({ ...parseReference(input) }, expected);
  });
}

const malformed: [string, RegExp][] = [
  ['', /invalid reference format: empty reference/],
  ['Busybox', /repository name \(library\/Busybox\) must be lowercase/],
  ['user/Img', /repository name \(user\/Img\) must be lowercase/],
  ['a//b', /empty path component/],
  ['busybox:', /bad tag ''/],
  ['busybox:-x', /bad tag '-x'/],
  [`busybox:${'t'.repeat(129)}`, /bad tag/],
  ['busybox@sha256:abc', /bad digest/],
  [`busybox@sha512:${'a'.repeat(128)}`, /unsupported digest/],
  ['-busybox', /bad name component '-busybox'/],
  ['bus$box', /bad name component/],
  ['host:port/img', /bad registry host 'host:port'/],
  ['a_b.c/x', /bad registry host 'a_b.c'/],
  ['ns/a..b', /bad name component 'a..b'/],
  [':tag', /missing repository name/],
  ['ab'.repeat(32), /cannot specify 64-byte hexadecimal strings/],
  [`${'a'.repeat(256)}:x`, /longer than 255/],
];

for (const [input, message] of malformed) {
  test(`parseReference(${JSON.stringify(input.length > 40 ? input.slice(0, 40) + '...' : input)}) is refused with one line`, (t) => {
    const err = t.throws(() => parseReference(input), { instanceOf: ImageError, message });
    t.false(err!.message.includes('\n'));
    t.is(err!.exitCode, 125);
  });
}

test('the default tag is not added to a digest reference but is kept when given with one', (t) => {
  t.is(parseReference(`busybox@${D}`).tag, undefined);
  t.is(parseReference(`busybox:1@${D}`).tag, '1');
});

test('a first component with an uppercase letter is a registry host, as in docker', (t) => {
  t.is(parseReference('Host/img').registry, 'Host');
});
