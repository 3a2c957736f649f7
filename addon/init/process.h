// The process state the container's command inherits through execve: its working directory
// and its open file descriptors.
#pragma once
#include <string>

#include "sandbox/error.h"

namespace sandbox {

// Create `cwd` if missing (docker creates the working directory), enter it, and check that it
// is inside the container's root. Call after pivot_root.
int enter_cwd(const std::string& cwd, Error& err);

// Close every fd except 0, 1, 2 and `keep` (the sync socket, close-on-exec itself).
int close_other_fds(int keep, Error& err);

}  // namespace sandbox
