// The container init: the process the monitor clones into the new namespaces. It runs the setup
// steps in the one fixed order of ARCHITECTURE.md section 3, then execs the user's command.
#pragma once
#include "init/config.h"

namespace sandbox {

// Entry point of the cloned child. `sync_fd` is the init's end of the socketpair (close-on-exec,
// so a successful execve shows up as EOF at the monitor). Never returns: execs the command, or
// sends one `error` / `exec-failed` message on sync_fd and exits (1, or 126/127 for exec).
// `fuse_channel`: with the fuse-overlay driver, the socket the mounted /dev/fuse fd goes out on.
[[noreturn]] void init_main(const RuntimeConfig& config, int sync_fd, int fuse_channel = -1);

}  // namespace sandbox
