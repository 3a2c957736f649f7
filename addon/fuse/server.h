// The FUSE overlay's process: the monitor forks it before releasing the init; it joins the
// container's user namespace, waits for the /dev/fuse fd the init mounted with, and serves it
// until the container's mount namespace (and with it the mount) is gone. docs/storage.md.
#pragma once
#include <sys/types.h>

#include <string>

#include "fuse/overlay.h"
#include "init/config.h"
#include "sandbox/error.h"
#include "sandbox/unique_fd.h"

namespace sandbox::fuse {

struct FuseServer {
  pid_t pid = -1;
};

OverlayConfig overlay_config(const RuntimeConfig& c);

// Monitor side: fork the server. `channel` is its end of the socketpair the init sends the fd on.
int spawn_server(const RuntimeConfig& c, int init_pidfd, unique_fd channel, FuseServer& out, Error& err);

// Monitor side, after the init has been reaped.
void reap_server(FuseServer& s);

// Init side: pass the mounted /dev/fuse fd over the socket.
int send_fd(int sock, int fd, Error& err);

int serve(const OverlayConfig& cfg, int fuse_fd, int threads, std::string& problem);

// Open libfuse3 (dlopen) and resolve what the server calls (fuse/fuse_lazy.cc): the monitor
// doesn't link it, only its server child loads it, before serve. An error names the library.
int load_fuse(Error& err);

}  // namespace sandbox::fuse
