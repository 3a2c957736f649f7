// -t: the container's pty. The init allocates it inside the container (after pivot_root) and
// hands the master to the monitor, which relays it; see setup.cc for where and why.
#pragma once
#include "sandbox/error.h"

namespace sandbox {

// Open a pty on the container's /dev/ptmx, make its slave our controlling terminal (new
// session + TIOCSCTTY) and our fds 0, 1 and 2, and send the master to the monitor over the
// sync socket: one byte 'P' carrying the fd (SCM_RIGHTS), which the monitor reads right after
// the network step (monitor/terminal.cc).
// The slave is given to `uid` (the command's user), as docker does: it may reopen it by name.
int open_container_terminal(int sync_fd, unsigned uid, Error& err);

}  // namespace sandbox
