// --link and --link-local-ip: docker's syntax, and the refusals off user-defined networks.
import test from 'ava';
import { checkLinkLocalIps, checkLinkNetwork, linkHostsLines, parseLink } from '../../../src/network/links.js';

test("NAME or NAME:ALIAS, docker's leading slash dropped; anything else refused", (t) => {
  t.deepEqual(parseLink('web'), { container: 'web', alias: 'web' });
  t.deepEqual(parseLink('/web:/db'), { container: 'web', alias: 'db' });
  t.throws(() => parseLink('a:b:c'), { message: 'invalid value "a:b:c" for --link: bad format for links: a:b:c (use NAME or NAME:ALIAS)' });
  t.throws(() => parseLink('web:'), { message: 'invalid value "web:" for --link: bad format for links: web: (use NAME or NAME:ALIAS)' });
});

test('on the default network --link is refused, pointing at user-defined networks', (t) => {
  t.notThrows(() => checkLinkNetwork(['web'], 'switch'));
  t.notThrows(() => checkLinkNetwork([], 'slirp'));
  const e = t.throws(() => checkLinkNetwork(['web:db'], 'slirp'));
  t.regex(e!.message, /^--link web:db: on the default network each rootless container has its own user-mode network.*sandbox network create NET/);
  t.regex(t.throws(() => checkLinkNetwork(['web'], 'none'))!.message, /^--link web: --network none has no network/);
});

test('a link is one /etc/hosts line: the address, the alias, then the name', (t) => {
  t.is(linkHostsLines([{ ip: '172.30.0.2', names: ['db', 'web'] }]), '172.30.0.2\tdb web\n');
});

test('--link-local-ip: a bad address, or any address, refused with the reason', (t) => {
  t.notThrows(() => checkLinkLocalIps([]));
  t.throws(() => checkLinkLocalIps(['nope']), { message: 'invalid argument "nope" for "--link-local-ip" flag: nope is not an IP address' });
  t.regex(t.throws(() => checkLinkLocalIps(['169.254.1.5']))!.message, /^--link-local-ip 169\.254\.1\.5: not supported: .*switch forwards/);
});
