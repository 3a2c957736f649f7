// `sandbox attach`: a unix socket in the container's state dir (0600) where one client at a
// time gets the container's output as it is produced and, for a -t container, feeds its pty.
// Detached runs only: a foreground run's output already goes to the caller.
#pragma once
#include <sys/types.h>

#include <string>

#include "sandbox/error.h"
#include "sandbox/unique_fd.h"

namespace sandbox {

struct AttachPoint {
  unique_fd listener;
  unique_fd client;  // the one attached CLI, if any

  // Bind STATE_DIR/attach.sock. State dirs can be longer than a socket path may be (108
  // bytes), so the name is reached through /proc/self/fd of the directory.
  int open(const std::string& state_dir, Error& err);
  // A new client replaces a previous one; the previous one sees EOF.
  void accept_client();
  // Output for the client. Never waits: a client that can't keep up is dropped, so it can
  // never stall the container (the log has everything).
  void send(const char* buf, size_t n);
  // Read what the client typed (for a -t container's pty; otherwise the caller drops it).
  // Returns the byte count, 0 when there is nothing now; closes the client at EOF.
  ssize_t client_read(char* buf, size_t size);
};

}  // namespace sandbox
