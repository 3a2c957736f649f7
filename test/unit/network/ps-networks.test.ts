import test from 'ava';
import { filterContainers, formatPs, formatWantsNetworks, parsePsFilters } from '../../../src/format/ps.js';
import { BUILTIN, builtinId, containerNetworks } from '../../../src/network/builtin.js';
import type { RuntimeConfig } from '../../../src/oci/types.js';
import type { ContainerRecord } from '../../../src/state/containers.js';

const rec = (id: string, name: string): ContainerRecord => ({ id: id.repeat(64), name, image: 'lab/busybox', imageId: 'sha256:x', command: ['true'], created: '2026-01-01T00:00:00.000Z', status: 'exited', autoRemove: false });
const config = (network: object) => ({ sandbox: { network } }) as unknown as RuntimeConfig;
const entry = (name: string, id: string) => ({ name, id });

test("containerNetworks: the built-in network of the mode (docker's bridge for the default), then user-defined ones, by name", (t) => {
  t.deepEqual(containerNetworks(config({ mode: 'slirp' })), [entry('bridge', builtinId('bridge'))]);
  t.deepEqual(containerNetworks(config({ mode: 'none' })), [entry('none', builtinId('none'))]);
  t.deepEqual(containerNetworks(config({ mode: 'host' })), [entry('host', builtinId('host'))]);
  t.deepEqual(containerNetworks(config({ mode: 'switch', networks: [entry('zeta', '2'.repeat(64)), entry('alpha', '1'.repeat(64))] })), [entry('alpha', '1'.repeat(64)), entry('zeta', '2'.repeat(64))]);
  t.deepEqual(containerNetworks(config({ mode: 'slirp', networks: [entry('web', '3'.repeat(64))] })).map((n) => n.name), ['bridge', 'web']);
  t.deepEqual(containerNetworks(undefined), []);
});

test('the built-in networks (network ls) have the ids builtinId gives their names, the same on every host', (t) => {
  t.deepEqual(
    BUILTIN.map((n) => n.name),
    ['bridge', 'host', 'none'],
  );
  for (const n of BUILTIN) t.is(n.id, builtinId(n.name), n.name);
});

test('ps: {{.Networks}} joins the names with commas; network= matches a name exactly or an id prefix', (t) => {
  const a = rec('a', 'one');
  const b = rec('b', 'two');
  const networks = new Map([
    [a.id, [entry('bridge', builtinId('bridge'))]],
    [b.id, [entry('back', 'f00d'.repeat(16)), entry('front', 'beef'.repeat(16))]],
  ]);
  t.is(formatPs([a, b], { quiet: false, noTrunc: false, format: '{{.Names}} {{.Networks}}', networks }, new Date()), 'one bridge\ntwo back,front\n');
  const ctx = { ancestorMatches: () => true, all: [a, b], networks };
  const only = (...f: string[]) => filterContainers([a, b], parsePsFilters(f), ctx).map((r) => r.name);
  t.deepEqual(only('network=front'), ['two']);
  t.deepEqual(only('network=beefbe'), ['two']);
  t.deepEqual(only('network=fro'), []);
  t.deepEqual(only('network=bridge', 'network=back'), ['one', 'two']);
  t.deepEqual(only(`network=${builtinId('bridge').slice(0, 12)}`), ['one']);
  t.true(formatWantsNetworks('{{.Names}}\t{{.Networks}}'));
  t.true(formatWantsNetworks('json'));
  t.false(formatWantsNetworks('{{.Names}}'));
  t.false(formatWantsNetworks(undefined));
});
