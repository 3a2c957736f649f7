// The container's pid file (config.sandbox.pidFile): the host pid of the init, for `ps`, `kill`
// and `exec` from other CLI processes. Written atomically so a reader never sees half a number.
#pragma once
#include <sys/types.h>

#include <string>

#include "sandbox/error.h"

namespace sandbox {

// Write `pid` (decimal, no newline, as runc writes it) to a temp file beside `path` (0600),
// then rename it over `path`.
int write_pid_file(const std::string& path, pid_t pid, Error& err);

// Remove it; a missing file is fine.
void remove_pid_file(const std::string& path);

}  // namespace sandbox
