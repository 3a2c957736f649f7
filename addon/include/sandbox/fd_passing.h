// Passing an fd across a unix socket (SCM_RIGHTS), tagged with one byte so that a stream can
// carry several kinds of message: the init hands the monitor its tap ('T'), its terminal
// ('P') and the FUSE connection ('f') this way, on sockets that also carry JSON error lines.
#pragma once
#include "sandbox/error.h"
#include "sandbox/unique_fd.h"

namespace sandbox::fdpass {

// Send `fd` with the byte `tag`. `what` names the fd for the error ("the tap device").
int send(int sock, char tag, int fd, const char* what, Error& err);

// Receive one fd sent with `tag`. Peeks first: when the next byte is not `tag` (an error line
// the supervisor must read instead), or the peer is gone, returns 0 with `out` left empty and
// the stream untouched. Returns 1 with `out` set on success, < 0 on a socket error.
int receive(int sock, char tag, unique_fd& out, const char* what, Error& err);

}  // namespace sandbox::fdpass
