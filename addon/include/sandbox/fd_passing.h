// Passing an fd across a unix socket (SCM_RIGHTS), tagged with one byte so that a stream can
// carry several kinds of message: the init hands the monitor its tap ('T'), its terminal
// ('P') and the FUSE connection ('f') this way, on sockets that also carry JSON error lines.
#pragma once
#include <string>

#include "sandbox/error.h"
#include "sandbox/unique_fd.h"

namespace sandbox::fdpass {

// Send `fd` with the byte `tag`. `what` names the fd for the error ("the tap device").
int send(int sock, char tag, int fd, const char* what, Error& err);

// Receive one fd sent with `tag`. Peeks first: when the next byte is not `tag` (an error line
// the supervisor must read instead), or the peer is gone, returns 0 with `out` left empty and
// the stream untouched. Returns 1 with `out` set on success, < 0 on a socket error.
int receive(int sock, char tag, unique_fd& out, const char* what, Error& err);

// On a datagram or seqpacket socket: one message of `payload` with `fd` (-1: none) attached.
// Used by the user-defined networks' switch protocol (addon/net/switch_client.cc).
int send_message(int sock, const std::string& payload, int fd, const char* what, Error& err);

// One message (at most `max` bytes) and the fd that came with it, if any (`fd` left empty
// otherwise). Returns the payload's length, 0 when the peer is gone, < 0 on an error (EAGAIN
// on a non-blocking socket included). Received fds are CLOEXEC.
ssize_t receive_message(int sock, std::string& payload, size_t max, unique_fd& fd, Error& err);

}  // namespace sandbox::fdpass
