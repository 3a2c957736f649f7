// `sandbox rename` on user-defined networks (docs/networks.md): the member records, the
// runtime config (the name a next start joins with, inspect's DNSNames) and, for a running
// container, its networks' switches, whose embedded DNS then answers the new name and no
// longer the old one, as docker's does. Aliases and addresses stay. The container's own
// /etc/hosts is left as it is: docker doesn't rewrite it on rename either (it names the
// container's hostname, not its name).
import { SpecError } from '../errors.js';
import { writeJsonAtomic } from '../state/atomic.js';
import type { ContainerRecord, ContainerStore } from '../state/containers.js';
import { observe } from '../state/observe.js';
import type { SandboxPaths } from '../state/paths.js';
import { readConfig, runMonitor } from './attach.js';
import { renameMember } from './members.js';

/** Called under the container's lock, after the record took the new name. */
export async function renameOnNetworks(paths: SandboxPaths, store: ContainerStore, renamed: ContainerRecord): Promise<void> {
  const { path, config } = await readConfig(store, renamed).catch(() => ({ path: '', config: undefined }));
  const network = config?.sandbox.network;
  const entries = network?.networks ?? [];
  if (config === undefined || network === undefined || entries.length === 0) return;
  for (const entry of entries) await renameMember(paths, { Id: entry.id }, renamed.id, renamed.name);
  await writeJsonAtomic(path, { ...config, sandbox: { ...config.sandbox, network: { ...network, containerName: renamed.name } } }, 0o600, { durable: false });
  const rec = await observe(renamed, store.dir(renamed.id));
  if (rec.status !== 'running') return;
  for (const entry of entries) {
    const r = await runMonitor(['netconnect', '--id', rec.id, '--rename', rec.name, '--network', JSON.stringify(entry)]);
    if (r.code !== 0) throw new SpecError(`rename ${rec.name} on network ${entry.name}: ${r.stderr.trim().split('\n').pop() ?? `exit ${r.code}`}`);
  }
}
