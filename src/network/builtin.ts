// docker's three built-in networks, as `network ls` lists ours (the default one is slirp).
// Their ids are fixed (a hash of the name): the same on every host and every call.
import { createHash } from 'node:crypto';
import type { RuntimeConfig } from '../oci/types.js';

export const builtinId = (name: string) => createHash('sha256').update(`sandbox network ${name}`).digest('hex');

/** builtinId() of the three, written out: `ps` and every command that imports this would
 *  otherwise load node:crypto (~1.5 ms) to compute them (test/unit/network/ps-networks checks). */
const BUILTIN_IDS: Readonly<Record<string, string>> = {
  bridge: '2160aa1d0936521bdbab68ae39f7635e3f0aba0a18e054d4a725cca238eafe09',
  host: 'defd6e3e7894f2b2524983dff96f8b00396806bd8532cf6714f6ceb70ac6cf0e',
  none: 'ba09f4f26af32aec16bfba72a787a604085f6ec5766241e318dc87d1d9fe9a79',
};

export const BUILTIN: { id: string; name: string; driver: string }[] = [
  { id: BUILTIN_IDS.bridge!, name: 'bridge', driver: 'slirp' },
  { id: BUILTIN_IDS.host!, name: 'host', driver: 'host' },
  { id: BUILTIN_IDS.none!, name: 'none', driver: 'null' },
];

/**
 * The networks a container is on, by name and id, as `ps` shows and filters them: the
 * built-in one of its mode (docker's `bridge` for our default network) and its user-defined
 * ones, sorted by name. Pure.
 */
export function containerNetworks(config: RuntimeConfig | undefined): { name: string; id: string }[] {
  const network = config?.sandbox.network;
  if (!network) return [];
  const builtin = network.mode === 'slirp' ? 'bridge' : network.mode === 'host' ? 'host' : network.mode === 'none' ? 'none' : undefined;
  const out = (network.networks ?? []).map((n) => ({ name: n.name, id: n.id }));
  if (builtin !== undefined) out.push({ name: builtin, id: BUILTIN_IDS[builtin]! });
  return out.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}
