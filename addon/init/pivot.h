// Making the rootfs the process's "/" for good: pivot_root, not chroot, so the host's tree is
// detached from this mount namespace and no chroot escape can climb back to it.
#pragma once
#include <string>

#include "sandbox/error.h"

namespace sandbox {

// pivot_root(root, root), detach the old root, chdir("/").
int pivot_into(const std::string& root, Error& err);

// --read-only: remount "/" read-only (after pivot, so the mounts under it stay writable).
int remount_root_readonly(Error& err);

}  // namespace sandbox
