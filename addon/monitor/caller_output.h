// A foreground run without -t that is logged (--log with --foreground): the container's stdout
// and stderr are pipes the monitor drains into the log and on to the caller's own stdout and
// stderr (docs/detached.md). This is the second half: the write to the caller.
#pragma once
#include <cstddef>
#include <functional>

namespace sandbox {

// Write all of buf to the caller's fd (1 or 2). A slow reader makes us wait, as a pipe would
// make the container wait (docker's client blocks the same way), but the wait is never deaf:
// while fd has no room, `signal_fd` is watched and `on_signals` called when it is readable, so
// a ^C or a TERM still reaches the container (--sig-proxy). Pieces of at most PIPE_BUF bytes
// after POLLOUT, so a pipe never blocks a write itself.
// False when the caller's side is gone (EPIPE: its reader closed it, `run IMAGE yes | head -1`).
bool write_to_caller(int fd, const char* buf, size_t n, int signal_fd, const std::function<void()>& on_signals);

}  // namespace sandbox
