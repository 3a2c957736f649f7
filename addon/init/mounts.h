// The config's mounts (proc, dev, sys, binds, tmpfs, ...) inside the rootfs, /dev's symlinks,
// and docker's masked and read-only paths. All run before pivot_root, while the host's paths
// (bind sources, /dev/null, /sys) are still reachable, and all targets go through
// resolve_in_root so the image can't redirect them.
#pragma once
#include <string>
#include <vector>

#include "init/config.h"
#include "sandbox/error.h"

namespace sandbox {

// Apply `mounts` in order under the rootfs whose O_PATH fd is root_fd.
int mount_config_mounts(const std::vector<MountSpec>& mounts, int root_fd, Error& err);

// /dev/fd, /dev/stdin, /dev/stdout, /dev/stderr, /dev/ptmx, /dev/core; existing names are kept.
int create_dev_symlinks(int root_fd, Error& err);

// Bind /dev/null over files and a read-only empty tmpfs over directories; missing paths skipped.
int mask_paths(const std::vector<std::string>& paths, int root_fd, Error& err);

// Bind each path onto itself and remount it read-only; missing paths skipped.
int make_paths_readonly(const std::vector<std::string>& paths, int root_fd, Error& err);

// Remount the bind mount at `path` with `flags` (MS_RDONLY, MS_NOSUID, ...) added to the flags it
// already has. In a user namespace the kernel locks nosuid/nodev/noexec/ro/atime of mounts that
// came from the host, and a remount that would clear one fails with EPERM, so keep them all.
int remount_bind(const std::string& path, unsigned long flags, bool atime_given, Error& err);

}  // namespace sandbox
