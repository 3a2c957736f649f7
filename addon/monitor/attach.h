// `sandbox attach`: a unix socket in the container's state dir (0600) where one client at a
// time gets the container's output as it is produced and sends framed input (attach_input.h):
// keys for a -t container's pty (or a -i one's stdin pipe), its window size, the signals it got
// (--sig-proxy).
// Detached runs, and a foreground `run -it` (which can be detached from, then attached to).
#pragma once
#include <sys/types.h>

#include <string>

#include "sandbox/error.h"
#include "sandbox/unique_fd.h"

namespace sandbox {

struct AttachPoint {
  unique_fd listener;
  unique_fd client;  // the one attached CLI, if any
  std::string input;  // what the client sent that is not a whole frame yet
  // The client sends input: it sent an 'i' frame (an attach with stdin sends an empty one as
  // it connects, so one that has typed nothing yet counts too).
  bool client_input = false;
  // Such a client went away without ending its input (its 'c' frame): killed, its connection
  // dropped, replaced by a new client, or dropped for not keeping up. docker closes a
  // StdinOnce container's stdin when the attach session ends, however it ends: the loop
  // treats this as that client's 'c' frame, and clears it.
  bool input_dropped = false;

  // Bind STATE_DIR/attach.sock. State dirs can be longer than a socket path may be (108
  // bytes), so the name is reached through /proc/self/fd of the directory.
  int open(const std::string& state_dir, Error& err);
  // A new client replaces a previous one; the previous one sees EOF.
  void accept_client();
  // Close the client (it hung up, or can't be served), noting `input_dropped` if it sent input.
  void drop_client();
  // Wait up to timeout_ms for a client and take it (start -a connects before the start).
  void wait_client(int timeout_ms);
  // Output for the client. Never waits: a client that can't keep up is dropped, so it can
  // never stall the container (the log has everything). A -t container's output is sent raw;
  // without -t, `stream` ('o' stdout, 'e' stderr) frames it (attach_input.h) so the client
  // keeps the two apart, as docker's attach does.
  void send(const char* buf, size_t n, char stream = 0);
  // Append what the client sent to `input` (framed: attach_input.h). Returns the byte count,
  // 0 when there is nothing now; closes the client at EOF.
  ssize_t client_read();
};

}  // namespace sandbox
