// `sandbox network COMMAND`: docker's network management over state files (src/network/store).
// Containers join with run --network NAME or connect (docs/networks.md, src/network/attach.ts).
import { createHash } from 'node:crypto';
import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { SpecError, UsageError } from '../../errors.js';
import { renderTemplate } from '../../format/template.js';
import { NetworkStore, config4, config6, findNetwork, type NetworkRecord } from '../../network/store.js';
import { sandboxPaths } from '../../state/paths.js';
import { ContainerStore } from '../../state/containers.js';
import { listMembers, networkFiles } from '../../network/members.js';
import { connectContainer, disconnectContainer } from '../../network/attach.js';
import { BUILTIN } from '../../network/builtin.js';
import type { CommandSpec } from '../command-table.js';
import type { CommandContext } from '../context.js';
import { commandHelp } from '../help.js';
import type { OptionTable } from '../option-spec.js';
import { parseCommandArgs } from '../parse.js';

const help = { long: 'help', short: 'h', kind: 'bool', status: 'built', help: 'Print usage' } as const;
const createOptions = [
  { long: 'driver', short: 'd', kind: 'string', status: 'built', placeholder: 'string', help: 'Driver to manage the Network (only "bridge")' },
  { long: 'gateway', kind: 'list', status: 'built', placeholder: 'strings', help: 'IPv4 or IPv6 Gateway for the master subnet' },
  help,
  { long: 'internal', kind: 'bool', status: 'built', help: 'Restrict external access to the network' },
  { long: 'ipv6', kind: 'bool', status: 'built', help: 'Enable or disable IPv6 networking' },
  { long: 'label', kind: 'list', status: 'built', placeholder: 'list', help: 'Set metadata on a network' },
  { long: 'subnet', kind: 'list', status: 'built', placeholder: 'strings', help: 'Subnet in CIDR format that represents a network segment' },
] as const satisfies OptionTable;
const lsOptions = [
  { long: 'format', kind: 'string', status: 'built', placeholder: 'string', help: 'Format output using a custom template' },
  help,
  { long: 'quiet', short: 'q', kind: 'bool', status: 'built', help: 'Only display network IDs' },
] as const satisfies OptionTable;
const inspectOptions = [
  { long: 'format', short: 'f', kind: 'string', status: 'built', placeholder: 'string', help: 'Format output using a custom template' },
  help,
] as const satisfies OptionTable;
const rmOptions = [help] as const satisfies OptionTable;
const connectOptions = [
  { long: 'alias', kind: 'list', status: 'built', placeholder: 'strings', help: 'Add network-scoped alias for the container' },
  { long: 'driver-opt', kind: 'list', status: 'planned', placeholder: 'strings', help: 'driver options for the network' },
  help,
  { long: 'ip', kind: 'string', status: 'built', placeholder: 'string', help: 'IPv4 address (e.g., "172.30.100.104")' },
  { long: 'ip6', kind: 'string', status: 'built', placeholder: 'string', help: 'IPv6 address (e.g., "2001:db8::33")' },
  { long: 'link', kind: 'list', status: 'planned', placeholder: 'list', help: 'Add link to another container' },
  { long: 'link-local-ip', kind: 'list', status: 'planned', placeholder: 'strings', help: 'Add a link-local address for the container' },
] as const satisfies OptionTable;
const disconnectOptions = [
  { long: 'force', short: 'f', kind: 'bool', status: 'built', help: 'Force the container to disconnect from a network' },
  help,
] as const satisfies OptionTable;
const pruneOptions = [
  { long: 'force', short: 'f', kind: 'bool', status: 'built', help: 'Do not prompt for confirmation' },
  help,
] as const satisfies OptionTable;

interface Sub {
  spec: CommandSpec;
  run: (args: string[], ctx: CommandContext) => Promise<number>;
}

const spec = (name: string, summary: string, usage: string, options: OptionTable, extra: Partial<CommandSpec> = {}): CommandSpec => ({ name: `network ${name}`, summary, usage, options, ...extra });

function store(ctx: CommandContext): NetworkStore {
  return new NetworkStore(sandboxPaths(ctx.env));
}

async function ensureDirs(ctx: CommandContext): Promise<void> {
  const data = sandboxPaths(ctx.env).data;
  await mkdir(join(data, 'locks'), { recursive: true, mode: 0o700 });
}

function parseLabels(list: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const l of list) {
    const eq = l.indexOf('=');
    out[eq < 0 ? l : l.slice(0, eq)] = eq < 0 ? '' : l.slice(eq + 1);
  }
  return out;
}

const createSpec = spec('create', 'Create a network', 'sandbox network create [OPTIONS] NETWORK', createOptions, { minArgs: 1, maxArgs: 1 });
async function create(args: string[], ctx: CommandContext): Promise<number> {
  const { options, positionals } = parseCommandArgs(createOptions, args, 'network create', createSpec);
  if (options.driver !== undefined && options.driver !== 'bridge') throw new SpecError(`invalid argument "${options.driver}" for "-d, --driver" flag: only the bridge driver is supported`);
  await ensureDirs(ctx);
  const rec = await store(ctx).create({ name: positionals[0]!, subnets: [...options.subnet], gateways: [...options.gateway], ipv6: options.ipv6, internal: options.internal, labels: parseLabels(options.label) });
  ctx.stdout.write(`${rec.Id}\n`);
  return 0;
}

// docker lists its three built-in networks first; ours are the same three (src/network/builtin.ts).

const lsSpec = spec('ls', 'List networks', 'sandbox network ls [OPTIONS]', lsOptions, { maxArgs: 0 });
async function ls(args: string[], ctx: CommandContext): Promise<number> {
  const { options } = parseCommandArgs(lsOptions, args, 'network ls', lsSpec);
  const rows = [...BUILTIN, ...(await store(ctx).list()).map((n) => ({ id: n.Id, name: n.Name, driver: n.Driver as string }))].map((r) => ({ ID: r.id.slice(0, 12), Name: r.name, Driver: r.driver, Scope: 'local' }));
  if (options.quiet) {
    for (const r of rows) ctx.stdout.write(`${r.ID}\n`);
    return 0;
  }
  if (options.format !== undefined) {
    for (const r of rows) ctx.stdout.write(`${renderTemplate(options.format, r)}\n`);
    return 0;
  }
  const table = [['NETWORK ID', 'NAME', 'DRIVER', 'SCOPE'], ...rows.map((r) => [r.ID, r.Name, r.Driver, r.Scope])];
  const widths = [0, 1, 2].map((i) => Math.max(...table.map((row) => row[i]!.length)));
  for (const row of table) ctx.stdout.write(`${row.map((c, i) => (i < 3 ? c.padEnd(widths[i]! + 3) : c)).join('')}\n`);
  return 0;
}

const inspectSpec = spec('inspect', 'Display detailed information on one or more networks', 'sandbox network inspect [OPTIONS] NETWORK [NETWORK...]', inspectOptions, { minArgs: 1 });
async function inspect(args: string[], ctx: CommandContext): Promise<number> {
  const { options, positionals } = parseCommandArgs(inspectOptions, args, 'network inspect', inspectSpec);
  const all = await store(ctx).list();
  const found: NetworkRecord[] = [];
  let missing: string | undefined;
  for (const ref of positionals) {
    try {
      found.push(findNetwork(all, ref));
    } catch (err) {
      if (missing !== undefined) ctx.stderr.write(`sandbox: network ${missing} not found\n`);
      missing = ref;
      void err;
    }
  }
  const paths = sandboxPaths(ctx.env);
  for (const n of found) n.Containers = Object.fromEntries((await listMembers(paths, n)).map((m) => [m.ContainerId, { Name: m.Name, EndpointID: endpointId(n, m.ContainerId), MacAddress: m.MacAddress, IPv4Address: `${m.IPv4Address}/${config4(n).Subnet.split('/')[1]}`, IPv6Address: m.IPv6Address === undefined ? '' : `${m.IPv6Address}/${config6(n)?.Subnet.split('/')[1] ?? 64}` }]));
  if (options.format !== undefined && options.format !== '' && options.format !== 'json') for (const n of found) ctx.stdout.write(`${renderTemplate(options.format, n)}\n`);
  else ctx.stdout.write(`${JSON.stringify(found, null, 4)}\n`);
  if (missing !== undefined) throw new SpecError(`network ${missing} not found`);
  return 0;
}

const rmSpec = spec('rm', 'Remove one or more networks', 'sandbox network rm NETWORK [NETWORK...]', rmOptions, { minArgs: 1 });
async function remove(args: string[], ctx: CommandContext): Promise<number> {
  const { positionals } = parseCommandArgs(rmOptions, args, 'network rm', rmSpec);
  await ensureDirs(ctx);
  let failed = false;
  for (const ref of positionals) {
    try {
      await removeUnused(ctx, ref);
      ctx.stdout.write(`${ref}\n`);
    } catch (err) {
      failed = true;
      ctx.stderr.write(`sandbox: ${err instanceof Error ? err.message : String(err)}\n`);
    }
  }
  return failed ? 1 : 0;
}

const pruneSpec = spec('prune', 'Remove all unused networks', 'sandbox network prune [OPTIONS]', pruneOptions, { maxArgs: 0 });
async function prune(args: string[], ctx: CommandContext): Promise<number> {
  const { options } = parseCommandArgs(pruneOptions, args, 'network prune', pruneSpec);
  if (!options.force) throw new UsageError('network prune asks for confirmation on a terminal; give -f to remove all unused networks');
  await ensureDirs(ctx);
  const paths = sandboxPaths(ctx.env);
  const names: string[] = [];
  for (const n of await store(ctx).list()) if ((await listMembers(paths, n)).length === 0) names.push(n.Name);
  for (const n of names) await removeUnused(ctx, n).catch(() => undefined);
  if (names.length > 0) ctx.stdout.write(`Deleted Networks:\n${names.join('\n')}\n`);
  return 0;
}

/** docker refuses to remove a network with endpoints; so do we, while member files exist. */
async function removeUnused(ctx: CommandContext, ref: string): Promise<void> {
  const paths = sandboxPaths(ctx.env);
  const rec = findNetwork(await store(ctx).list(), ref);
  if ((await listMembers(paths, rec)).length > 0) throw new SpecError(`error while removing network: network ${rec.Name} id ${rec.Id} has active endpoints`);
  await store(ctx).remove(rec.Id);
  const files = networkFiles(paths, rec);
  // The switch's lock and log in the runtime dir go too (its socket went when it exited).
  await Promise.all([files.dir, files.switchLock, files.log].map((p) => rm(p, { recursive: true, force: true })));
}

/** A stable id for a member's endpoint (docker shows one): a hash of network and container. */
const endpointId = (n: NetworkRecord, containerId: string) => createHash('sha256').update(`${n.Id}/${containerId}`).digest('hex');

const connectSpec = spec('connect', 'Connect a container to a network', 'sandbox network connect [OPTIONS] NETWORK CONTAINER', connectOptions, { minArgs: 2, maxArgs: 2 });
async function connect(args: string[], ctx: CommandContext): Promise<number> {
  const { options, positionals } = parseCommandArgs(connectOptions, args, 'network connect', connectSpec);
  const paths = sandboxPaths(ctx.env);
  const net = findNetwork(await store(ctx).list(), positionals[0]!);
  await connectContainer(paths, new ContainerStore(paths), net, positionals[1]!, { aliases: [...options.alias], ip: options.ip, ip6: options.ip6 });
  return 0;
}

const disconnectSpec = spec('disconnect', 'Disconnect a container from a network', 'sandbox network disconnect [OPTIONS] NETWORK CONTAINER', disconnectOptions, { minArgs: 2, maxArgs: 2 });
async function disconnect(args: string[], ctx: CommandContext): Promise<number> {
  const { options, positionals } = parseCommandArgs(disconnectOptions, args, 'network disconnect', disconnectSpec);
  const paths = sandboxPaths(ctx.env);
  const net = findNetwork(await store(ctx).list(), positionals[0]!);
  await disconnectContainer(paths, new ContainerStore(paths), net, positionals[1]!, options.force);
  return 0;
}

const SUBCOMMANDS: Record<string, Sub> = {
  create: { spec: createSpec, run: create },
  ls: { spec: lsSpec, run: ls },
  list: { spec: lsSpec, run: ls },
  inspect: { spec: inspectSpec, run: inspect },
  rm: { spec: rmSpec, run: remove },
  remove: { spec: rmSpec, run: remove },
  prune: { spec: pruneSpec, run: prune },
  connect: { spec: connectSpec, run: connect },
  disconnect: { spec: disconnectSpec, run: disconnect },
};

export function networkHelp(): string {
  const shown = ['connect', 'create', 'disconnect', 'inspect', 'ls', 'prune', 'rm'];
  const width = Math.max(...shown.map((s) => s.length));
  return ['Usage:  sandbox network COMMAND', '', 'Manage networks', '', 'Commands:', ...shown.map((s) => `  ${s.padEnd(width)}   ${SUBCOMMANDS[s]!.spec.summary}`), '', "Run 'sandbox network COMMAND --help' for more information on a command.", ''].join('\n');
}

export async function command(args: string[], ctx: CommandContext): Promise<number> {
  const [name, ...rest] = args;
  if (name === undefined || name === '--help' || name === '-h') {
    ctx.stdout.write(networkHelp());
    return 0;
  }
  const sub = SUBCOMMANDS[name];
  if (!sub) throw new UsageError(`unknown command "${name}" for "sandbox network"`, "See 'sandbox network --help'.");
  const parsed = parseCommandArgs(sub.spec.options, rest, sub.spec.name, { ...sub.spec, minArgs: 0, maxArgs: undefined } as CommandSpec);
  if ((parsed.options as Record<string, unknown>).help === true) {
    ctx.stdout.write(commandHelp(sub.spec));
    return 0;
  }
  return sub.run(rest, ctx);
}
