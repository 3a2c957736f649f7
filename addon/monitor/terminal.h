// -t on the monitor's side: the pty master the init sends (init/terminal.cc), its window
// size, and the byte relay the supervisor's loop drives.
#pragma once
#include "sandbox/error.h"
#include "sandbox/unique_fd.h"
#include "sandbox/write_all.h"

namespace sandbox {

// Wait for the init's 'P' message on the sync socket and take the master from it. Anything
// else (the init failed and wrote an error, or died: EOF) is left for the supervisor to
// report; master then stays closed.
int receive_terminal(int sync_fd, unique_fd& master, Error& err);

// Give the container's terminal the size of ours: our stdin's, else our stdout's (run -t
// without -i has /dev/null as stdin). No terminal of ours: the pty keeps its size.
void copy_window_size(int master);

}  // namespace sandbox
