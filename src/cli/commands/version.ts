// `sandbox version [--format json]`. Daemonless, so there is only the client side: no Server
// section and no API version, unlike docker's output (podman's layout, docker's field names).
import { UsageError } from '../../errors.js';
import { versionOptions } from '../command-options.js';
import { findCommand } from '../command-table.js';
import type { CommandContext } from '../context.js';
import { packageVersion } from '../package-version.js';
import { parseCommandArgs } from '../parse.js';

export interface VersionInfo {
  Version: string;
  NodeVersion: string;
  Os: string;
  Arch: string;
}

/** Go's GOARCH names, which docker users read and scripts match (amd64, not x64). */
const GO_ARCH: Record<string, string> = { x64: 'amd64', ia32: '386' };

export function versionInfo(version: string, nodeVersion: string, platform: string, arch: string): VersionInfo {
  return { Version: version, NodeVersion: nodeVersion, Os: platform, Arch: GO_ARCH[arch] ?? arch };
}

export function formatVersionText(info: VersionInfo): string {
  return [`Version:      ${info.Version}`, `Node version: ${info.NodeVersion}`, `OS/Arch:      ${info.Os}/${info.Arch}`, ''].join('\n');
}

export function formatVersionJson(info: VersionInfo): string {
  return JSON.stringify({ Client: info }) + '\n';
}

export async function command(args: string[], ctx: CommandContext): Promise<number> {
  const { options } = parseCommandArgs(versionOptions, args, 'version', findCommand('version'));
  const info = versionInfo(await packageVersion(), process.version, process.platform, process.arch);
  if (options.format === undefined || options.format === '') ctx.stdout.write(formatVersionText(info));
  else if (options.format === 'json') ctx.stdout.write(formatVersionJson(info));
  else throw new UsageError(`--format ${JSON.stringify(options.format)}: Go templates are not supported yet; use --format json`);
  return 0;
}
