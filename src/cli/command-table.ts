// The commands `sandbox` dispatches, in the order `sandbox --help` lists them. A command is
// added here when it is built (docker's images, ps, pull... are not listed before that); main
// loads its module, src/cli/commands/<name>.js, only when it runs.
import type { OptionTable } from './option-spec.js';
import type { ParseRules } from './parse.js';
import { runOptions, runSummary, runUsage } from './run-options.js';
import { infoOptions, loadOptions, versionOptions } from './command-options.js';
import { statsOptions, updateOptions } from './command-options.js';
import { attachOptions, containerInspectOptions, execOptions, containerManagementOptions, killOptions, logsOptions, psOptions, renameOptions, rmOptions, startOptions, stopOptions, waitOptions } from './command-options.js';
import {
  imagesOptions,
  importOptions,
  loginOptions,
  logoutOptions,
  managementOptions,
  pullOptions,
  pushOptions,
  rmiOptions,
  saveOptions,
  tagOptions,
} from './command-options.js';

export interface CommandSpec extends ParseRules {
  readonly name: string;
  /** One line: the `sandbox --help` listing and the description under the command's Usage. */
  readonly summary: string;
  readonly usage: string;
  readonly options: OptionTable;
}

export const commandTable = [
  { name: 'run', summary: runSummary, usage: runUsage, options: runOptions, stopAtFirstPositional: true, minArgs: 1 },
  { name: 'pull', summary: 'Download an image from a registry', usage: 'sandbox pull [OPTIONS] NAME[:TAG|@DIGEST]', options: pullOptions, minArgs: 1, maxArgs: 1 },
  { name: 'push', summary: 'Upload an image to a registry', usage: 'sandbox push [OPTIONS] NAME[:TAG]', options: pushOptions, minArgs: 1, maxArgs: 1 },
  { name: 'images', summary: 'List images', usage: 'sandbox images [OPTIONS] [REPOSITORY[:TAG]]', options: imagesOptions, maxArgs: 1 },
  { name: 'login', summary: 'Log in to a registry', usage: 'sandbox login [OPTIONS] [SERVER]', options: loginOptions, maxArgs: 1 },
  { name: 'logout', summary: 'Log out from a registry', usage: 'sandbox logout [SERVER]', options: logoutOptions, maxArgs: 1 },
  { name: 'image', summary: 'Manage images (ls, inspect, pull, push, rm, tag, save, load, import, prune)', usage: 'sandbox image COMMAND', options: managementOptions, stopAtFirstPositional: true },
  { name: 'volume', summary: 'Manage volumes (create, ls, inspect, rm, prune)', usage: 'sandbox volume COMMAND', options: managementOptions, stopAtFirstPositional: true },
  { name: 'system', summary: 'Manage sandbox (df)', usage: 'sandbox system COMMAND', options: managementOptions, stopAtFirstPositional: true },
  { name: 'rmi', summary: 'Remove one or more images', usage: 'sandbox rmi [OPTIONS] IMAGE [IMAGE...]', options: rmiOptions, minArgs: 1 },
  { name: 'tag', summary: 'Create a tag TARGET_IMAGE that refers to SOURCE_IMAGE', usage: 'sandbox tag SOURCE_IMAGE[:TAG] TARGET_IMAGE[:TAG]', options: tagOptions, minArgs: 2, maxArgs: 2 },
  { name: 'save', summary: 'Save one or more images to a tar archive (streamed to STDOUT by default)', usage: 'sandbox save [OPTIONS] IMAGE [IMAGE...]', options: saveOptions, minArgs: 1 },
  { name: 'import', summary: 'Import the contents from a tarball to create a filesystem image', usage: 'sandbox import [OPTIONS] file|- [REPOSITORY[:TAG]]', options: importOptions, minArgs: 1, maxArgs: 2 },
  { name: 'load', summary: 'Load an image from a tar archive or STDIN', usage: 'sandbox load [OPTIONS]', options: loadOptions, maxArgs: 0 },
  { name: 'create', summary: 'Create a new container', usage: 'sandbox create [OPTIONS] IMAGE [COMMAND] [ARG...]', options: runOptions, stopAtFirstPositional: true, minArgs: 1 },
  { name: 'ps', summary: 'List containers', usage: 'sandbox ps [OPTIONS]', options: psOptions, maxArgs: 0 },
  { name: 'attach', summary: 'Attach local standard input, output, and error streams to a running container', usage: 'sandbox attach [OPTIONS] CONTAINER', options: attachOptions, minArgs: 1, maxArgs: 1 },
  { name: 'logs', summary: 'Fetch the logs of a container', usage: 'sandbox logs [OPTIONS] CONTAINER', options: logsOptions, minArgs: 1, maxArgs: 1 },
  { name: 'start', summary: 'Start one or more stopped containers', usage: 'sandbox start [OPTIONS] CONTAINER [CONTAINER...]', options: startOptions },
  { name: 'stop', summary: 'Stop one or more running containers', usage: 'sandbox stop [OPTIONS] CONTAINER [CONTAINER...]', options: stopOptions, minArgs: 1 },
  { name: 'restart', summary: 'Restart one or more containers', usage: 'sandbox restart [OPTIONS] CONTAINER [CONTAINER...]', options: stopOptions, minArgs: 1 },
  { name: 'kill', summary: 'Kill one or more running containers', usage: 'sandbox kill [OPTIONS] CONTAINER [CONTAINER...]', options: killOptions, minArgs: 1 },
  { name: 'rm', summary: 'Remove one or more containers', usage: 'sandbox rm [OPTIONS] CONTAINER [CONTAINER...]', options: rmOptions, minArgs: 1 },
  { name: 'stats', summary: 'Display a live stream of container(s) resource usage statistics', usage: 'sandbox stats [OPTIONS] [CONTAINER...]', options: statsOptions },
  { name: 'update', summary: 'Update configuration of one or more containers', usage: 'sandbox update [OPTIONS] CONTAINER [CONTAINER...]', options: updateOptions, minArgs: 1 },
  { name: 'wait', summary: 'Block until one or more containers stop, then print their exit codes', usage: 'sandbox wait CONTAINER [CONTAINER...]', options: waitOptions, minArgs: 1 },
  { name: 'network', summary: 'Manage networks (create, ls, inspect, rm, prune)', usage: 'sandbox network COMMAND', options: managementOptions, stopAtFirstPositional: true },
  { name: 'port', summary: 'List port mappings or a specific mapping for the container', usage: 'sandbox port CONTAINER [PRIVATE_PORT[/PROTO]]', options: waitOptions, minArgs: 1, maxArgs: 2 },
  { name: 'exec', summary: 'Execute a command in a running container', usage: 'sandbox exec [OPTIONS] CONTAINER COMMAND [ARG...]', options: execOptions, stopAtFirstPositional: true, minArgs: 2 },
  { name: 'top', summary: 'Display the running processes of a container', usage: 'sandbox top CONTAINER [ps OPTIONS]', options: waitOptions, stopAtFirstPositional: true, minArgs: 1 },
  { name: 'container', summary: 'Manage containers (ls, inspect, logs, exec, start, stop, restart, kill, rm, wait, rename, top, prune)', usage: 'sandbox container COMMAND', options: containerManagementOptions, stopAtFirstPositional: true },
  { name: 'inspect', summary: 'Return low-level information on containers and images', usage: 'sandbox inspect [OPTIONS] NAME|ID [NAME|ID...]', options: containerInspectOptions, minArgs: 1 },
  { name: 'rename', summary: 'Rename a container', usage: 'sandbox rename CONTAINER NEW_NAME', options: renameOptions, minArgs: 2, maxArgs: 2 },
  { name: 'info', summary: 'Display what this host offers sandbox', usage: 'sandbox info [OPTIONS]', options: infoOptions, maxArgs: 0 },
  { name: 'version', summary: 'Show the sandbox version information', usage: 'sandbox version [OPTIONS]', options: versionOptions, maxArgs: 0 },
] as const satisfies readonly CommandSpec[];

export type CommandName = (typeof commandTable)[number]['name'];

export function findCommand(name: string): CommandSpec | undefined {
  return (commandTable as readonly CommandSpec[]).find((c) => c.name === name);
}
