import test from 'ava';
import { hostsFile, resolvConfFile } from '../../../src/oci/etc-files.js';

test("/etc/hosts: docker's entries and the container's hostname", (t) => {
  const hosts = hostsFile('web1');
  t.true(hosts.startsWith('127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n'));
  t.true(hosts.endsWith('127.0.0.1\tweb1\n'));
});

test('resolv.conf: loopback nameservers dropped, the rest kept', (t) => {
  t.is(resolvConfFile('nameserver 127.0.0.53\nnameserver 192.0.2.1\nsearch lan\n'), 'nameserver 192.0.2.1\nsearch lan\n');
});

test("resolv.conf: with only a loopback resolver, docker's public fallback", (t) => {
  t.is(resolvConfFile('nameserver 127.0.0.53\noptions edns0\n'), 'options edns0\nnameserver 8.8.8.8\nnameserver 8.8.4.4\n');
  t.is(resolvConfFile(undefined), 'nameserver 8.8.8.8\nnameserver 8.8.4.4\n');
});
