#include "init/resolve_in_root.h"

#include <fcntl.h>
#include <linux/openat2.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <vector>

namespace sandbox {
namespace {

// glibc 2.36 has no openat2 wrapper.
int sys_openat2(int dirfd, const char* path, open_how* how) {
  return static_cast<int>(::syscall(SYS_openat2, dirfd, path, how, sizeof(open_how)));
}

std::vector<std::string> split_path(const std::string& path) {
  std::vector<std::string> parts;
  size_t pos = 0;
  while (pos < path.size()) {
    size_t end = path.find('/', pos);
    if (end == std::string::npos) end = path.size();
    std::string part = path.substr(pos, end - pos);
    if (!part.empty() && part != ".") parts.push_back(std::move(part));
    pos = end + 1;
  }
  return parts;
}

}  // namespace

unique_fd open_in_root(int root_fd, const std::string& path, int flags, Error& err) {
  open_how how{};
  how.flags = static_cast<uint64_t>(flags | O_CLOEXEC);
  how.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS;
  if (flags & O_CREAT) how.mode = 0644;
  // RESOLVE_IN_ROOT answers EAGAIN when a concurrent rename could have let ".." escape; nothing
  // else runs in this mount namespace yet, so a couple of retries is plenty.
  for (int attempt = 0; attempt < 8; attempt++) {
    int fd = sys_openat2(root_fd, path.c_str(), &how);
    if (fd >= 0) return unique_fd(fd);
    if (errno != EAGAIN && errno != EINTR) break;
  }
  err.sys("resolve " + path + " in the rootfs");
  return unique_fd();
}

unique_fd create_in_root(int root_fd, const std::string& path, bool directory, Error& err) {
  std::vector<std::string> parts = split_path(path);
  // A mount on the root itself needs no creation.
  if (parts.empty()) return open_in_root(root_fd, "/", O_PATH | O_DIRECTORY, err);
  for (const auto& p : parts)
    if (p == "..") {
      err.fail("refusing '..' in container path " + path, EINVAL);
      return unique_fd();
    }

  unique_fd parent(::fcntl(root_fd, F_DUPFD_CLOEXEC, 3));
  if (!parent) {
    err.sys("dup rootfs fd");
    return unique_fd();
  }
  std::string prefix;
  for (size_t i = 0; i < parts.size(); i++) {
    const bool last = i + 1 == parts.size();
    const bool want_dir = !last || directory;
    prefix += "/" + parts[i];
    // Resolve the whole prefix from the root each time (never relative to `parent`): with
    // RESOLVE_IN_ROOT the dirfd *is* the root, so a symlink met here must be judged against
    // the container's root, not against the directory it sits in.
    Error probe;
    unique_fd fd = open_in_root(root_fd, prefix, O_PATH | (want_dir ? O_DIRECTORY : 0), probe);
    if (!fd && probe.errnum == ENOENT) {
      // `parent` was resolved inside the root, and parts[i] has no '/', so creating it there
      // can't land outside. O_EXCL/mkdir never follow a dangling symlink named parts[i].
      if (want_dir) {
        if (::mkdirat(parent.get(), parts[i].c_str(), 0755) < 0 && errno != EEXIST) {
          err.sys("create directory " + prefix + " in the rootfs");
          return unique_fd();
        }
      } else {
        int f = ::openat(parent.get(), parts[i].c_str(),
                         O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
        if (f < 0 && errno != EEXIST) {
          err.sys("create file " + prefix + " in the rootfs");
          return unique_fd();
        }
        if (f >= 0) ::close(f);
      }
      fd = open_in_root(root_fd, prefix, O_PATH | (want_dir ? O_DIRECTORY : 0), probe);
      // Still missing after creating it: the name is a symlink pointing at nothing.
      if (!fd && probe.errnum == ENOENT) {
        err.fail(prefix + " in the rootfs is a dangling symlink", ENOENT);
        return unique_fd();
      }
    }
    if (!fd) {
      err = probe;
      return unique_fd();
    }
    parent = std::move(fd);
  }
  return parent;
}

std::string fd_path(int fd) { return "/proc/self/fd/" + std::to_string(fd); }

}  // namespace sandbox
