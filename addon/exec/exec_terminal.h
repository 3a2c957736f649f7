// `exec -t`: the exec'd command's pty and its relay. The pty comes from the CONTAINER's devpts
// (opened after joining its mount namespace), so `tty` in the command names a /dev/pts entry
// the container can see, as with run -t (init/terminal.cc).
#pragma once
#include <sys/types.h>

#include <string>

#include "sandbox/error.h"
#include "sandbox/unique_fd.h"

namespace sandbox {

struct ExecTerminal {
  unique_fd master;
  unique_fd slave;
};

// Open /dev/ptmx as the current mount namespace sees it, and its slave. Both close-on-exec;
// the master gets the caller's window size.
int open_exec_terminal(ExecTerminal& t, Error& err);

// In the child, before the user switch (chowning needs CAP_CHOWN): the slave becomes the
// command's controlling terminal and its stdio, owned by the command's user.
int become_terminal_owner(int slave, uid_t uid, Error& err);

// The relay, in the parent, until `child` has exited and the pty is drained: our stdin into
// the master (stopped at EOF), the master to our stdout, SIGWINCH copies our window size, the
// other signals are passed to the child as the non-tty exec does. On the detach keys (bytes,
// empty: none) `detached` is sent on result_fd, our stdio becomes /dev/null and the command
// runs on (docker: the client leaves, the exec'd process stays). Returns the wait status.
int relay_exec_terminal(int master, pid_t child, int child_pidfd, int signal_fd, const std::string& detach_keys,
                        int result_fd);

}  // namespace sandbox
