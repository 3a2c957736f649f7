// The monitor's event loop: the one poll() that watches the init (its sync socket and its
// pidfd), the monitor's signals, the stdio relay, logs, attach, the PTY, healthchecks and the
// container's default network (libslirp, monitor/loop_source.h).
#pragma once
#include <string>

#include "monitor/attach.h"
#include "monitor/attach_input.h"
#include "monitor/health.h"
#include "monitor/log_writer.h"
#include "monitor/loop_source.h"
#include "monitor/spawn.h"

namespace sandbox {

// The container's output when the monitor keeps it (run -d, and a logged foreground run): the
// read ends of its stdout and stderr pipes, drained into the log. Closed fds (-1) mean the
// container writes to inherited stdio directly (a foreground run --rm, or --log-driver none).
struct OutputRelay {
  unique_fd out;
  unique_fd err;
  LogWriter* log = nullptr;
  // Healthchecks (sandbox.healthcheck), when the config has one.
  HealthChecker* health = nullptr;
  // The default network's libslirp and outbound bypass (net/slirp_network.h), when it has one.
  LoopSource* network = nullptr;
  // -t: the container's pty master. Its output goes to the log (run -d) or to our stdout;
  // our stdin is copied into it until EOF (/dev/null without -i: at once).
  unique_fd pty;
  // run -d, run -it: where `sandbox attach` connects (monitor/attach.h); else null.
  AttachPoint* attach = nullptr;
  // -i without -t, detached (run -d -i, create -i): our end of the container's stdin pipe;
  // attach clients' keys go into it. With `stdin_once` (docker's StdinOnce: create -i, then
  // start -ai) a client's end of input (its 'c' frame) closes it; without, it stays open for
  // the next client (run -d -i).
  unique_fd in;
  bool stdin_once = false;
  // --foreground with --log: a CLI shows our stdout/stderr, and the output goes there as well
  // as to the log (run -t: `logs` has what was shown, and what came after a detach; without
  // -t each pipe goes to its own stream, and a caller's closed stream closes the container's).
  bool tee = false;
  // run -it in the foreground: the caller's detach keys in our stdin (--detach-keys). On them
  // the loop sends `detached` on the result fd, lets go of the caller's terminal (stdio becomes
  // /dev/null) and runs on for attach clients; `detached` says it happened.
  DetachKeys detach_keys;
  bool detached = false;
};

// How the container ended, for the exit file.
struct ExitInfo {
  bool started = false;  // execve succeeded (else it failed in setup or exec)
  // When it did (exit.json's startedAt: a CLI killed before it recorded the start leaves
  // readers this to tell when the container ran).
  std::string started_at;
  int exit_code = 0;
  int signal = 0;
};

// Run until the init has exited and been reaped, reporting on result_fd: the init's `error`
// or `exec-failed` message, or `started` and then `exited`. Returns the monitor's exit status:
// the container's (status, or 128+signal), 126/127 for exec failures, 1 for setup failures.
int supervise(InitProcess& init, int signal_fd, int result_fd, OutputRelay& relay, ExitInfo& info);

// The container's exit code from a wait status: its status, or 128+signal (pure).
void exit_code_of(int wait_status, int& exit_code, int& signal);

}  // namespace sandbox
