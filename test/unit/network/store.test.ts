// User-defined networks as records: names, subnets and gateways, from plain data.
import test from 'ava';
import { findNetwork, planNetwork, type CreateRequest, type NetworkRecord } from '../../../src/network/store.js';
import { firstFreeSubnet, parseSubnet } from '../../../src/network/subnet.js';

type Over = Partial<CreateRequest> & { subnet?: string; gateway?: string };
const req = ({ subnet, gateway, ...over }: Over): CreateRequest => ({ name: 'my-net', subnets: subnet === undefined ? [] : [subnet], gateways: gateway === undefined ? [] : [gateway], ipv6: false, internal: false, labels: {}, ...over });
const now = new Date('2026-01-02T03:04:05Z');
const plan = (over: Over, existing: NetworkRecord[] = []) => planNetwork(req(over), existing, 'ab'.repeat(32), now);

test('a network gets the first free 10.89.N.0/24 and its .1 gateway, as podman', (t) => {
  const first = plan({});
  t.deepEqual(first.IPAM.Config, [{ Subnet: '10.89.0.0/24', Gateway: '10.89.0.1' }]);
  t.deepEqual(plan({ name: 'second' }, [first]).IPAM.Config, [{ Subnet: '10.89.1.0/24', Gateway: '10.89.1.1' }]);
  t.is(first.Created, '2026-01-02T03:04:05.000Z');
});

test('--subnet, --gateway, --internal and labels are kept', (t) => {
  const n = plan({ subnet: '172.30.5.9/16', gateway: '172.30.0.254', internal: true, labels: { team: 'a' } });
  t.deepEqual(n.IPAM.Config, [{ Subnet: '172.30.0.0/16', Gateway: '172.30.0.254' }]);
  t.true(n.Internal);
  t.deepEqual(n.Labels, { team: 'a' });
});

test('bad names, duplicates, overlaps and gateways outside the subnet are refused with one line', (t) => {
  const first = plan({});
  t.is(t.throws(() => plan({}, [first]))?.message, 'network with name my-net already exists');
  t.is(t.throws(() => plan({ name: 'host' }))?.message, 'host is a pre-defined network and cannot be created');
  t.is(t.throws(() => plan({ name: '-x' }))?.message, 'invalid network name "-x": only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed');
  t.is(t.throws(() => plan({ name: 'b', subnet: '10.89.0.128/25' }, [first]))?.message, 'invalid pool request: Pool overlaps with other one on this address space (network my-net)');
  t.is(t.throws(() => plan({ subnet: '10.1.0.0/24', gateway: '10.2.0.1' }))?.message, 'invalid argument "10.2.0.1" for "--gateway" flag: not a host address of 10.1.0.0/24');
  t.is(t.throws(() => plan({ subnet: '10.1.0.0/33' }))?.message, 'invalid argument "10.1.0.0/33" for "--subnet" flag: want an IPv4 CIDR such as 10.89.0.0/24 (prefix 8-30)');
});

test('a network is found by name, id or unique id prefix', (t) => {
  const a = planNetwork(req({ name: 'a' }), [], 'aa11'.repeat(16), now);
  const b = planNetwork(req({ name: 'b', subnet: '10.2.0.0/24' }), [a], 'bb22'.repeat(16), now);
  t.is(findNetwork([a, b], 'b').Name, 'b');
  t.is(findNetwork([a, b], 'aa11aa').Name, 'a');
  t.is(t.throws(() => findNetwork([a, b], 'zz'))?.message, 'network zz not found');
});

test('the default pool skips subnets already taken', (t) => {
  t.deepEqual(firstFreeSubnet([parseSubnet('10.89.0.0/23')]), { address: '10.89.2.0', prefix: 24 });
});
