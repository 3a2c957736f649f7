// `network connect` / `network disconnect` (docs/networks.md): membership files, the
// container's runtime config (so its next start joins the same networks) and, for a running
// container, the live change through sandbox-monitor's netconnect/netdisconnect modes.
import { spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { SpecError } from '../errors.js';
import { containerLayout } from '../oci/generate.js';
import type { RuntimeConfig } from '../oci/types.js';
import { monitorPath } from '../runtime/paths.js';
import { writeJsonAtomic } from '../state/atomic.js';
import type { ContainerRecord, ContainerStore } from '../state/containers.js';
import { observe } from '../state/observe.js';
import type { SandboxPaths } from '../state/paths.js';
import { addMember, listMembers, removeMember } from './members.js';
import { parseMac } from './members.js';
import { switchNetworkConfig, type SwitchNetworkConfig } from './runtime.js';
import type { NetworkRecord } from './store.js';

export function runMonitor(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(monitorPath(), args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? 1, stdout, stderr }));
  });
}

export async function readConfig(store: ContainerStore, rec: ContainerRecord): Promise<{ path: string; config: RuntimeConfig }> {
  const path = containerLayout(store.dir(rec.id)).config;
  return { path, config: JSON.parse(await readFile(path, 'utf8')) as RuntimeConfig };
}

export interface ConnectRequest {
  aliases: string[];
  ip: string | undefined;
  ip6?: string | undefined;
  mac?: string | undefined;
}

export async function connectContainer(paths: SandboxPaths, store: ContainerStore, net: NetworkRecord, ref: string, req: ConnectRequest): Promise<void> {
  const found = await store.find(ref);
  const rec = await observe(found, store.dir(found.id));
  const { path, config } = await readConfig(store, rec);
  const network = config.sandbox.network;
  const mode = network?.mode ?? 'none';
  if (mode === 'host') throw new SpecError('container sharing network namespace with another container or host cannot be connected to any other network');
  if (mode === 'none') throw new SpecError('container cannot be connected to multiple networks with one of the networks in private (none) mode');
  if ((network?.networks ?? []).some((n) => n.id === net.Id)) throw new SpecError(`endpoint with name ${rec.name} already exists in network ${net.Name}`);
  const mac = req.mac === undefined ? undefined : parseMac(req.mac);
  const member = await addMember(paths, net, { containerId: rec.id, name: rec.name, aliases: req.aliases, ip: req.ip, ip6: req.ip6, mac });
  const entry = switchNetworkConfig(paths, net, member);
  try {
    if (rec.status === 'running' && rec.pid !== undefined) {
      const r = await runMonitor(['netconnect', '--pid', String(rec.pid), '--id', rec.id, '--name', rec.name, '--network', JSON.stringify(entry)]);
      if (r.code !== 0) throw new SpecError(`connect ${rec.name} to network ${net.Name}: ${r.stderr.trim().split('\n').pop() ?? `exit ${r.code}`}`);
    }
    // The next start joins it too (after the networks it had).
    const next: SwitchNetworkConfig[] = [...(network?.networks ?? []), entry];
    const sandboxNet = { ...network!, networks: next, containerId: rec.id, containerName: rec.name };
    await writeJsonAtomic(path, { ...config, sandbox: { ...config.sandbox, network: sandboxNet } }, 0o600, { durable: false });
  } catch (err) {
    await removeMember(paths, net, rec.id).catch(() => undefined);
    throw err;
  }
}

export async function disconnectContainer(paths: SandboxPaths, store: ContainerStore, net: NetworkRecord, ref: string, force: boolean): Promise<void> {
  let rec: ContainerRecord;
  try {
    rec = await store.find(ref);
  } catch (err) {
    // -f: a container that is gone may still be listed on the network; take it off.
    const stale = (await listMembers(paths, net)).find((m) => m.Name === ref || m.ContainerId.startsWith(ref));
    if (force && stale) return void (await removeMember(paths, net, stale.ContainerId));
    throw err;
  }
  rec = await observe(rec, store.dir(rec.id));
  const { path, config } = await readConfig(store, rec);
  const network = config.sandbox.network;
  const entry = (network?.networks ?? []).find((n) => n.id === net.Id);
  if (!entry) throw new SpecError(`container ${rec.id} is not connected to network ${net.Name}`);
  if (rec.status === 'running') {
    const r = await runMonitor(['netdisconnect', '--id', rec.id, '--network', JSON.stringify(entry)]);
    if (r.code !== 0 && !force) throw new SpecError(`disconnect ${rec.name} from network ${net.Name}: ${r.stderr.trim().split('\n').pop() ?? `exit ${r.code}`}`);
  }
  const rest = (network?.networks ?? []).filter((n) => n.id !== net.Id);
  // Off its last user-defined network, a container has only its loopback, as docker's.
  const sandboxNet = rest.length === 0 && network!.mode === 'switch' ? { ...network!, mode: 'none' as const, networks: [], ports: [] } : { ...network!, networks: rest };
  await writeJsonAtomic(path, { ...config, sandbox: { ...config.sandbox, network: sandboxNet } }, 0o600, { durable: false });
  await removeMember(paths, net, rec.id);
}
