// The small option tables of the commands other than run (run's is run-options.ts). Each
// command module parses its argv with parseCommandArgs(<table>, args, '<name>'); help is
// generated from the same rows. Flip `status` to 'built' when an option is built.
import type { OptionTable, ParsedOptions } from './option-spec.js';

export const loadOptions = [
  { long: 'help', short: 'h', kind: 'bool', status: 'built', help: 'Print usage' },
  { long: 'input', short: 'i', kind: 'string', status: 'built', placeholder: 'string', help: 'Read from tar archive file, instead of STDIN' },
  { long: 'quiet', short: 'q', kind: 'bool', status: 'built', help: 'Suppress the load output' },
] as const satisfies OptionTable;
export type LoadOptions = ParsedOptions<typeof loadOptions>;

export const infoOptions = [
  { long: 'format', short: 'f', kind: 'string', status: 'built', placeholder: 'string', help: "Format output: 'json' prints in JSON format" },
  { long: 'help', short: 'h', kind: 'bool', status: 'built', help: 'Print usage' },
] as const satisfies OptionTable;
export type InfoOptions = ParsedOptions<typeof infoOptions>;

export const versionOptions = [
  { long: 'format', short: 'f', kind: 'string', status: 'built', placeholder: 'string', help: "Format output: 'json' prints in JSON format" },
  { long: 'help', short: 'h', kind: 'bool', status: 'built', help: 'Print usage' },
] as const satisfies OptionTable;
export type VersionOptions = ParsedOptions<typeof versionOptions>;

// ---- images: pull, push, images, image *, rmi, tag, save, import, login, logout, system df ----

/** podman's flag (docker has none): registries with a self-signed certificate or plain http. */
const tlsVerify = { long: 'tls-verify', kind: 'bool', status: 'built', help: 'Require HTTPS and verify certificates when contacting registries', default: true } as const;

export const pullOptions = [
  { long: 'all-tags', short: 'a', kind: 'bool', status: 'built', help: 'Download all tagged images in the repository' },
  { long: 'help', short: 'h', kind: 'bool', status: 'built', help: 'Print usage' },
  { long: 'platform', kind: 'string', status: 'built', placeholder: 'string', help: 'Set platform if server is multi-platform capable' },
  { long: 'quiet', short: 'q', kind: 'bool', status: 'built', help: 'Suppress verbose output' },
  tlsVerify,
] as const satisfies OptionTable;
export type PullOptions = ParsedOptions<typeof pullOptions>;

export const pushOptions = [
  { long: 'all-tags', short: 'a', kind: 'bool', status: 'built', help: 'Push all tags of an image to the repository' },
  { long: 'help', short: 'h', kind: 'bool', status: 'built', help: 'Print usage' },
  { long: 'quiet', short: 'q', kind: 'bool', status: 'built', help: 'Suppress verbose output' },
  tlsVerify,
] as const satisfies OptionTable;
export type PushOptions = ParsedOptions<typeof pushOptions>;

export const imagesOptions = [
  { long: 'all', short: 'a', kind: 'bool', status: 'built', help: 'Show all images (default hides intermediate images)' },
  { long: 'digests', kind: 'bool', status: 'built', help: 'Show digests' },
  { long: 'filter', short: 'f', kind: 'list', status: 'built', placeholder: 'filter', help: 'Filter output based on conditions provided' },
  { long: 'format', kind: 'string', status: 'built', placeholder: 'string', help: "Format output using a custom template: 'table', 'table TEMPLATE', 'json', 'TEMPLATE'" },
  { long: 'help', short: 'h', kind: 'bool', status: 'built', help: 'Print usage' },
  { long: 'no-trunc', kind: 'bool', status: 'built', help: "Don't truncate output" },
  { long: 'quiet', short: 'q', kind: 'bool', status: 'built', help: 'Only show image IDs' },
] as const satisfies OptionTable;
export type ImagesOptions = ParsedOptions<typeof imagesOptions>;

/** `sandbox image` and `sandbox system` take a subcommand; their own table has only --help. */
export const managementOptions = [{ long: 'help', short: 'h', kind: 'bool', status: 'built', help: 'Print usage' }] as const satisfies OptionTable;

export const imageInspectOptions = [
  { long: 'format', short: 'f', kind: 'string', status: 'built', placeholder: 'string', help: "Format output using a custom template: 'json', 'TEMPLATE'" },
  { long: 'help', short: 'h', kind: 'bool', status: 'built', help: 'Print usage' },
] as const satisfies OptionTable;
export type ImageInspectOptions = ParsedOptions<typeof imageInspectOptions>;

export const imagePruneOptions = [
  { long: 'all', short: 'a', kind: 'bool', status: 'built', help: 'Remove all unused images, not just dangling ones' },
  { long: 'filter', kind: 'list', status: 'planned', placeholder: 'filter', help: 'Provide filter values (e.g. "until=<timestamp>")' },
  { long: 'force', short: 'f', kind: 'bool', status: 'built', help: 'Do not prompt for confirmation' },
  { long: 'help', short: 'h', kind: 'bool', status: 'built', help: 'Print usage' },
] as const satisfies OptionTable;
export type ImagePruneOptions = ParsedOptions<typeof imagePruneOptions>;

export const rmiOptions = [
  { long: 'force', short: 'f', kind: 'bool', status: 'built', help: 'Force removal of the image' },
  { long: 'help', short: 'h', kind: 'bool', status: 'built', help: 'Print usage' },
  // Images here never have parent images to prune, so not pruning them is what always happens.
  { long: 'no-prune', kind: 'bool', status: 'built', help: 'Do not delete untagged parents' },
] as const satisfies OptionTable;
export type RmiOptions = ParsedOptions<typeof rmiOptions>;

export const tagOptions = [{ long: 'help', short: 'h', kind: 'bool', status: 'built', help: 'Print usage' }] as const satisfies OptionTable;

export const saveOptions = [
  // podman's flag: docker save writes docker-archive only.
  { long: 'format', kind: 'string', status: 'built', placeholder: 'string', help: 'Save image to docker-archive or oci-archive', default: 'docker-archive' },
  { long: 'help', short: 'h', kind: 'bool', status: 'built', help: 'Print usage' },
  { long: 'output', short: 'o', kind: 'string', status: 'built', placeholder: 'string', help: 'Write to a file, instead of STDOUT' },
] as const satisfies OptionTable;
export type SaveOptions = ParsedOptions<typeof saveOptions>;

export const importOptions = [
  { long: 'change', short: 'c', kind: 'list', status: 'built', placeholder: 'list', help: 'Apply Dockerfile instruction to the created image' },
  { long: 'help', short: 'h', kind: 'bool', status: 'built', help: 'Print usage' },
  { long: 'message', short: 'm', kind: 'string', status: 'built', placeholder: 'string', help: 'Set commit message for imported image' },
  { long: 'platform', kind: 'string', status: 'built', placeholder: 'string', help: 'Set platform if server is multi-platform capable' },
] as const satisfies OptionTable;
export type ImportOptions = ParsedOptions<typeof importOptions>;

export const loginOptions = [
  { long: 'help', short: 'h', kind: 'bool', status: 'built', help: 'Print usage' },
  { long: 'password', short: 'p', kind: 'string', status: 'built', placeholder: 'string', help: 'Password' },
  { long: 'password-stdin', kind: 'bool', status: 'built', help: 'Take the password from stdin' },
  tlsVerify,
  { long: 'username', short: 'u', kind: 'string', status: 'built', placeholder: 'string', help: 'Username' },
] as const satisfies OptionTable;
export type LoginOptions = ParsedOptions<typeof loginOptions>;

export const logoutOptions = [{ long: 'help', short: 'h', kind: 'bool', status: 'built', help: 'Print usage' }] as const satisfies OptionTable;

export const systemDfOptions = [
  { long: 'format', kind: 'string', status: 'built', placeholder: 'string', help: "Format output using a custom template: 'table', 'table TEMPLATE', 'json', 'TEMPLATE'" },
  { long: 'help', short: 'h', kind: 'bool', status: 'built', help: 'Print usage' },
  { long: 'verbose', short: 'v', kind: 'bool', status: 'planned', help: 'Show detailed information on space usage' },
] as const satisfies OptionTable;
export type SystemDfOptions = ParsedOptions<typeof systemDfOptions>;

// ---- containers (issue 5) ------------------------------------------------------------------

export const psOptions = [
  { long: 'all', short: 'a', kind: 'bool', status: 'built', help: 'Show all containers (default shows just running)' },
  { long: 'filter', short: 'f', kind: 'list', status: 'built', placeholder: 'filter', help: 'Filter output based on conditions provided' },
  { long: 'format', kind: 'string', status: 'built', placeholder: 'string', help: "Format output using a custom template: 'table', 'table TEMPLATE', 'json', 'TEMPLATE'" },
  { long: 'help', short: 'h', kind: 'bool', status: 'built', help: 'Print usage' },
  { long: 'last', short: 'n', kind: 'number', status: 'built', placeholder: 'int', help: 'Show n last created containers (includes all states)', default: -1 },
  { long: 'latest', short: 'l', kind: 'bool', status: 'built', help: 'Show the latest created container (includes all states)' },
  { long: 'no-trunc', kind: 'bool', status: 'built', help: "Don't truncate output" },
  { long: 'quiet', short: 'q', kind: 'bool', status: 'built', help: 'Only display container IDs' },
  { long: 'size', short: 's', kind: 'bool', status: 'built', help: 'Display total file sizes' },
] as const satisfies OptionTable;
export type PsOptions = ParsedOptions<typeof psOptions>;

export const logsOptions = [
  { long: 'details', kind: 'bool', status: 'built', help: 'Show extra details provided to logs' },
  { long: 'follow', short: 'f', kind: 'bool', status: 'built', help: 'Follow log output' },
  { long: 'help', short: 'h', kind: 'bool', status: 'built', help: 'Print usage' },
  { long: 'since', kind: 'string', status: 'built', placeholder: 'string', help: 'Show logs since timestamp (e.g. "2013-01-02T13:23:37Z") or relative (e.g. "42m" for 42 minutes)' },
  { long: 'tail', short: 'n', kind: 'string', status: 'built', placeholder: 'string', help: 'Number of lines to show from the end of the logs', default: 'all' },
  { long: 'timestamps', short: 't', kind: 'bool', status: 'built', help: 'Show timestamps' },
  { long: 'until', kind: 'string', status: 'built', placeholder: 'string', help: 'Show logs before a timestamp (e.g. "2013-01-02T13:23:37Z") or relative (e.g. "42m" for 42 minutes)' },
] as const satisfies OptionTable;
export type LogsOptions = ParsedOptions<typeof logsOptions>;

export const stopOptions = [
  { long: 'help', short: 'h', kind: 'bool', status: 'built', help: 'Print usage' },
  { long: 'signal', short: 's', kind: 'string', status: 'built', placeholder: 'string', help: 'Signal to send to the container' },
  { long: 'time', short: 't', kind: 'number', status: 'built', placeholder: 'int', help: 'Seconds to wait before killing the container' },
] as const satisfies OptionTable;
export type StopOptions = ParsedOptions<typeof stopOptions>;

export const killOptions = [
  { long: 'help', short: 'h', kind: 'bool', status: 'built', help: 'Print usage' },
  { long: 'signal', short: 's', kind: 'string', status: 'built', placeholder: 'string', help: 'Signal to send to the container' },
] as const satisfies OptionTable;
export type KillOptions = ParsedOptions<typeof killOptions>;

export const rmOptions = [
  { long: 'force', short: 'f', kind: 'bool', status: 'built', help: 'Force the removal of a running container (uses SIGKILL)' },
  { long: 'help', short: 'h', kind: 'bool', status: 'built', help: 'Print usage' },
  { long: 'link', short: 'l', kind: 'bool', status: 'planned', help: 'Remove the specified link' },
  { long: 'volumes', short: 'v', kind: 'bool', status: 'built', help: 'Remove anonymous volumes associated with the container' },
] as const satisfies OptionTable;
export type RmOptions = ParsedOptions<typeof rmOptions>;

export const attachOptions = [
  { long: 'detach-keys', kind: 'string', status: 'built', placeholder: 'string', help: 'Override the key sequence for detaching a container' },
  { long: 'help', short: 'h', kind: 'bool', status: 'built', help: 'Print usage' },
  { long: 'no-stdin', kind: 'bool', status: 'built', help: 'Do not attach STDIN' },
  { long: 'sig-proxy', kind: 'bool', status: 'built', help: 'Proxy all received signals to the process', default: true },
] as const satisfies OptionTable;

export const waitOptions = [{ long: 'help', short: 'h', kind: 'bool', status: 'built', help: 'Print usage' }] as const satisfies OptionTable;
export const renameOptions = waitOptions;

export const startOptions = [
  { long: 'all', kind: 'bool', status: 'built', help: 'Start every container whose restart policy is always, or unless-stopped and not stopped by you (after a reboot)' },
  { long: 'attach', short: 'a', kind: 'bool', status: 'built', help: 'Attach STDOUT/STDERR and forward signals' },
  { long: 'detach-keys', kind: 'string', status: 'built', placeholder: 'string', help: 'Override the key sequence for detaching a container' },
  { long: 'help', short: 'h', kind: 'bool', status: 'built', help: 'Print usage' },
  { long: 'interactive', short: 'i', kind: 'bool', status: 'built', help: "Attach container's STDIN" },
] as const satisfies OptionTable;
export type StartOptions = ParsedOptions<typeof startOptions>;

export const containerInspectOptions = [
  { long: 'format', short: 'f', kind: 'string', status: 'built', placeholder: 'string', help: "Format output using a custom template: 'json', 'TEMPLATE'" },
  { long: 'help', short: 'h', kind: 'bool', status: 'built', help: 'Print usage' },
  { long: 'size', short: 's', kind: 'bool', status: 'planned', help: 'Display total file sizes if the type is container' },
  { long: 'type', kind: 'string', status: 'built', placeholder: 'string', help: 'Return JSON for specified type' },
] as const satisfies OptionTable;
export type ContainerInspectOptions = ParsedOptions<typeof containerInspectOptions>;

export const containerPruneOptions = [
  { long: 'filter', kind: 'list', status: 'planned', placeholder: 'filter', help: 'Provide filter values (e.g. "until=<timestamp>")' },
  { long: 'force', short: 'f', kind: 'bool', status: 'built', help: 'Do not prompt for confirmation' },
  { long: 'help', short: 'h', kind: 'bool', status: 'built', help: 'Print usage' },
] as const satisfies OptionTable;

// ---- volume create, ls, inspect, rm, prune ----

export const volumeCreateOptions = [
  { long: 'driver', short: 'd', kind: 'string', status: 'built', placeholder: 'string', help: 'Specify volume driver name', default: 'local' },
  { long: 'help', short: 'h', kind: 'bool', status: 'built', help: 'Print usage' },
  { long: 'label', kind: 'list', status: 'built', placeholder: 'list', help: 'Set metadata for a volume' },
  { long: 'opt', short: 'o', kind: 'list', status: 'planned', placeholder: 'map', help: 'Set driver specific options' },
] as const satisfies OptionTable;

export const volumeLsOptions = [
  { long: 'filter', short: 'f', kind: 'list', status: 'planned', placeholder: 'filter', help: "Provide filter values (e.g. 'dangling=true')" },
  { long: 'format', kind: 'string', status: 'built', placeholder: 'string', help: "Format output using a custom template: 'json', 'TEMPLATE'" },
  { long: 'help', short: 'h', kind: 'bool', status: 'built', help: 'Print usage' },
  { long: 'quiet', short: 'q', kind: 'bool', status: 'built', help: 'Only display volume names' },
] as const satisfies OptionTable;

export const volumeInspectOptions = [
  { long: 'format', short: 'f', kind: 'string', status: 'built', placeholder: 'string', help: "Format output using a custom template: 'json', 'TEMPLATE'" },
  { long: 'help', short: 'h', kind: 'bool', status: 'built', help: 'Print usage' },
] as const satisfies OptionTable;

export const volumeRmOptions = [
  { long: 'force', short: 'f', kind: 'bool', status: 'built', help: 'Force the removal of one or more volumes' },
  { long: 'help', short: 'h', kind: 'bool', status: 'built', help: 'Print usage' },
] as const satisfies OptionTable;

export const volumePruneOptions = [
  { long: 'all', short: 'a', kind: 'bool', status: 'built', help: 'Remove all unused volumes, not just anonymous ones' },
  { long: 'filter', kind: 'list', status: 'planned', placeholder: 'filter', help: 'Provide filter values (e.g. "label=<label>")' },
  { long: 'force', short: 'f', kind: 'bool', status: 'built', help: 'Do not prompt for confirmation' },
  { long: 'help', short: 'h', kind: 'bool', status: 'built', help: 'Print usage' },
] as const satisfies OptionTable;

export const execOptions = [
  { long: 'detach', short: 'd', kind: 'bool', status: 'built', help: 'Detached mode: run command in the background' },
  { long: 'detach-keys', kind: 'string', status: 'built', placeholder: 'string', help: 'Override the key sequence for detaching a container' },
  { long: 'env', short: 'e', kind: 'list', status: 'built', placeholder: 'list', help: 'Set environment variables' },
  { long: 'env-file', kind: 'list', status: 'built', placeholder: 'list', help: 'Read in a file of environment variables' },
  { long: 'help', kind: 'bool', status: 'built', help: 'Print usage' },
  { long: 'interactive', short: 'i', kind: 'bool', status: 'built', help: 'Keep STDIN open even if not attached' },
  { long: 'privileged', kind: 'bool', status: 'built', help: 'Give extended privileges to the command' },
  { long: 'tty', short: 't', kind: 'bool', status: 'built', help: 'Allocate a pseudo-TTY' },
  { long: 'user', short: 'u', kind: 'string', status: 'built', placeholder: 'string', help: 'Username or UID (format: "<name|uid>[:<group|gid>]")' },
  { long: 'workdir', short: 'w', kind: 'string', status: 'built', placeholder: 'string', help: 'Working directory inside the container' },
] as const satisfies OptionTable;
export type ExecOptions = ParsedOptions<typeof execOptions>;

// `sandbox stats` (issue 7): docker's options.
export const statsOptions = [
  { long: 'all', short: 'a', kind: 'bool', status: 'built', help: 'Show all containers (default shows just running)' },
  { long: 'format', kind: 'string', status: 'built', placeholder: 'string', help: "Format output using a custom template: 'table', 'table TEMPLATE', 'json', 'TEMPLATE'" },
  { long: 'help', kind: 'bool', status: 'built', help: 'Print usage' },
  { long: 'no-stream', kind: 'bool', status: 'built', help: 'Disable streaming stats and only pull the first result' },
  { long: 'no-trunc', kind: 'bool', status: 'built', help: "Don't truncate output" },
] as const satisfies OptionTable;
export type StatsOptions = ParsedOptions<typeof statsOptions>;

// `sandbox update` (issue 7): docker's options; values are checked like run's.
export const updateOptions = [
  { long: 'blkio-weight', kind: 'number', status: 'built', placeholder: 'uint16', help: 'Block IO (relative weight), between 10 and 1000, or 0 to disable', default: 0 },
  { long: 'cpu-period', kind: 'number', status: 'built', placeholder: 'int', help: 'Limit CPU CFS (Completely Fair Scheduler) period' },
  { long: 'cpu-quota', kind: 'number', status: 'built', placeholder: 'int', help: 'Limit CPU CFS (Completely Fair Scheduler) quota' },
  { long: 'cpu-rt-period', kind: 'number', status: 'built', placeholder: 'int', help: 'Limit the CPU real-time period in microseconds' },
  { long: 'cpu-rt-runtime', kind: 'number', status: 'built', placeholder: 'int', help: 'Limit the CPU real-time runtime in microseconds' },
  { long: 'cpu-shares', short: 'c', kind: 'number', status: 'built', placeholder: 'int', help: 'CPU shares (relative weight)' },
  { long: 'cpus', kind: 'number', status: 'built', placeholder: 'decimal', help: 'Number of CPUs' },
  { long: 'cpuset-cpus', kind: 'string', status: 'built', placeholder: 'string', help: 'CPUs in which to allow execution (0-3, 0,1)' },
  { long: 'cpuset-mems', kind: 'string', status: 'built', placeholder: 'string', help: 'MEMs in which to allow execution (0-3, 0,1)' },
  { long: 'help', kind: 'bool', status: 'built', help: 'Print usage' },
  { long: 'memory', short: 'm', kind: 'string', status: 'built', placeholder: 'bytes', help: 'Memory limit' },
  { long: 'memory-reservation', kind: 'string', status: 'built', placeholder: 'bytes', help: 'Memory soft limit' },
  { long: 'memory-swap', kind: 'string', status: 'built', placeholder: 'bytes', help: "Swap limit equal to memory plus swap: -1 to enable unlimited swap" },
  { long: 'pids-limit', kind: 'number', status: 'built', placeholder: 'int', help: 'Tune container pids limit (set -1 for unlimited)' },
  { long: 'restart', kind: 'string', status: 'planned', placeholder: 'string', help: 'Restart policy to apply when a container exits' },
] as const satisfies OptionTable;
export type UpdateOptions = ParsedOptions<typeof updateOptions>;

/** `sandbox container`: only --help of its own; the subcommands parse the rest. */
export const containerManagementOptions = [{ long: 'help', short: 'h', kind: 'bool', status: 'built', help: 'Print usage' }] as const satisfies OptionTable;
