// Creating the container's init: clone into the config's namespaces, with a sync socket the
// init blocks on until the monitor has set it up from outside (id maps, pid file).
#pragma once
#include <sys/types.h>

#include "fuse/server.h"
#include "init/config.h"
#include "sandbox/error.h"
#include "sandbox/unique_fd.h"

namespace sandbox {

struct InitProcess {
  pid_t pid = -1;
  unique_fd pidfd;  // from clone3(CLONE_PIDFD): signals and exit can't hit a recycled pid
  unique_fd sync;   // the monitor's end of the socketpair
  fuse::FuseServer fuse_server;  // fuse-overlay rootfs only: the child serving it (addon/fuse)
};

// Step 1 of ARCHITECTURE.md section 3. The child runs init_main and never returns here.
// `child_stdio`, when given, holds fds that become the init's 0, 1, 2 (-1: keep ours).
int spawn_init(const RuntimeConfig& config, InitProcess& out, Error& err,
               const int* child_stdio = nullptr);

// Step 2: write the id maps, then the pid file. The init is still blocked.
int prepare_init(const RuntimeConfig& config, const InitProcess& init, const char*& step, Error& err);

// Let the init run its setup.
int release_init(const InitProcess& init, Error& err);

// Kill and reap an init that will never be released (a failure in step 2).
void abandon_init(InitProcess& init);

}  // namespace sandbox
