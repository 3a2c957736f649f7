// Resolving container paths without letting the image redirect them. Every path is looked up
// with openat2(RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS) against an fd of the rootfs: an absolute
// symlink or a ".." in the image stays inside the rootfs, and /proc/self/fd/N style magic links
// (the CVE-2024-21626 and CVE-2019-19921 tricks) are refused. The result is an O_PATH fd; mounts
// then target "/proc/self/fd/N" so the kernel mounts on exactly the inode we resolved.
#pragma once
#include <string>

#include "sandbox/error.h"
#include "sandbox/unique_fd.h"

namespace sandbox {

// openat2(root_fd, path, flags | O_CLOEXEC, RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS).
// On failure returns an empty fd and err (errnum ENOENT when the path does not exist).
unique_fd open_in_root(int root_fd, const std::string& path, int flags, Error& err);

// Like open_in_root(O_PATH), but creates what is missing: every missing parent as a directory
// (0755), the last component as a directory or, when !directory, an empty file (0644). This is
// how a bind of a file (/dev/null, /etc/hosts) gets a mount point, as docker creates it.
unique_fd create_in_root(int root_fd, const std::string& path, bool directory, Error& err);

// "/proc/self/fd/N": the name mount(2) and friends accept for an fd we resolved ourselves.
std::string fd_path(int fd);

}  // namespace sandbox
