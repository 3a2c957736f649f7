// docker's three built-in networks, as `network ls` lists ours (the default one is slirp).
// Their ids are fixed (a hash of the name): the same on every host and every call.
import { createHash } from 'node:crypto';
import type { RuntimeConfig } from '../oci/types.js';

export const builtinId = (name: string) => createHash('sha256').update(`sandbox network ${name}`).digest('hex');

export const BUILTIN: { id: string; name: string; driver: string }[] = [
  { id: builtinId('bridge'), name: 'bridge', driver: 'slirp' },
  { id: builtinId('host'), name: 'host', driver: 'host' },
  { id: builtinId('none'), name: 'none', driver: 'null' },
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
  if (builtin !== undefined) out.push({ name: builtin, id: builtinId(builtin) });
  return out.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}
