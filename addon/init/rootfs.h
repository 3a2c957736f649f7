// The container's root filesystem: the kernel overlay of the image layers and the container's
// upper dir, mounted (inside the user namespace) on root.path.
#pragma once
#include <string>

#include "init/config.h"
#include "sandbox/error.h"

namespace sandbox {

// Mount overlay(lowerdirs, upperdir, workdir, userxattr) on `target`; or, for the
// fuse-overlay driver, a FUSE mount whose /dev/fuse fd goes to the monitor's server over
// `fuse_channel`; or, for vfs, a bind mount of the copy in upperdir (docs/storage.md).
int mount_rootfs(const RootfsSpec& rootfs, const std::string& target, int fuse_channel, Error& err);

// The mount(2) option string for the fallback path (pure; exposed for tests). Escapes the
// characters overlay's option parser treats specially.
std::string overlay_mount_data(const RootfsSpec& rootfs);

}  // namespace sandbox
