#include "unpack/remove_tree.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>
#include <vector>

#include "sandbox/unique_fd.h"

namespace sandbox::unpack {
namespace {

struct Frame {
  std::string name;  // in the parent frame's directory
  dev_t dev;
  ino_t ino;
  std::vector<std::string> subdirs;  // still to remove
};

std::string path_of(const std::vector<Frame>& stack, const std::string& leaf = "") {
  std::string p;
  for (const auto& f : stack) p += (p.empty() ? "" : "/") + f.name;
  if (!leaf.empty()) p += "/" + leaf;
  return p;
}

// Opens directory `name` in `at` without following a symlink; a directory we may not read
// (mode 000) is made readable first when we own it. Returns -1 with errno on failure.
int open_subdir(int at, const char* name) {
  int flags = O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC;
  int fd = ::openat(at, name, flags);
  if (fd < 0 && errno == EACCES && ::fchmodat(at, name, 0700, 0) == 0) fd = ::openat(at, name, flags);
  return fd;
}

// Unlinks every non-directory of `fd` and returns its subdirectories' names.
int scan(int fd, std::vector<std::string>& subdirs, const std::string& where, Error& err) {
  // Read the whole listing before unlinking: changing a directory while reading it may make
  // some filesystems skip entries.
  struct Item {
    std::string name;
    unsigned char type;
  };
  std::vector<Item> items;
  if (::lseek(fd, 0, SEEK_SET) < 0) return err.sys("rewinding " + where);
  alignas(8) char buf[32768];
  for (;;) {
    ssize_t n = ::getdents64(fd, buf, sizeof buf);
    if (n < 0) return err.sys("reading directory " + where);
    if (n == 0) break;
    for (ssize_t off = 0; off < n;) {
      auto* d = reinterpret_cast<struct dirent64*>(buf + off);
      off += d->d_reclen;
      if (std::strcmp(d->d_name, ".") == 0 || std::strcmp(d->d_name, "..") == 0) continue;
      items.push_back({d->d_name, d->d_type});
    }
  }
  for (auto& it : items) {
    unsigned char type = it.type;
    if (type == DT_UNKNOWN) {
      struct stat st;
      if (::fstatat(fd, it.name.c_str(), &st, AT_SYMLINK_NOFOLLOW) < 0) {
        if (errno == ENOENT) continue;
        return err.sys("stat " + where + "/" + it.name);
      }
      type = S_ISDIR(st.st_mode) ? DT_DIR : DT_REG;
    }
    if (type == DT_DIR) {
      subdirs.push_back(std::move(it.name));
      continue;
    }
    if (::unlinkat(fd, it.name.c_str(), 0) < 0 && errno != ENOENT) {
      if (errno == EISDIR) {  // raced into a directory
        subdirs.push_back(std::move(it.name));
        continue;
      }
      return err.sys("removing " + where + "/" + it.name);
    }
  }
  return 0;
}

}  // namespace

int remove_tree_at(int dirfd, const char* name, Error& err) {
  struct stat top_parent;
  if (::fstat(dirfd, &top_parent) < 0) return err.sys("stat parent of " + std::string(name));
  int fd0 = open_subdir(dirfd, name);
  if (fd0 < 0) {
    if (errno == ENOENT) return 0;
    if (errno == ENOTDIR || errno == ELOOP) {
      if (::unlinkat(dirfd, name, 0) < 0 && errno != ENOENT) return err.sys("removing " + std::string(name));
      return 0;
    }
    return err.sys("opening " + std::string(name));
  }
  unique_fd cur(fd0);
  struct stat st;
  if (::fstat(cur.get(), &st) < 0) return err.sys("stat " + std::string(name));
  const dev_t dev = st.st_dev;
  if (dev != top_parent.st_dev)
    return err.fail(std::string(name) + " is a mount point: unmount it before removing it", EBUSY);

  std::vector<Frame> stack;
  stack.push_back({name, st.st_dev, st.st_ino, {}});
  if (scan(cur.get(), stack.back().subdirs, name, err) < 0) return -1;
  while (!stack.empty()) {
    Frame& f = stack.back();
    if (!f.subdirs.empty()) {
      std::string sub = std::move(f.subdirs.back());
      f.subdirs.pop_back();
      int fd = open_subdir(cur.get(), sub.c_str());
      if (fd < 0) {
        if (errno == ENOENT) continue;
        if (errno == ENOTDIR || errno == ELOOP) {  // replaced by a non-directory meanwhile
          if (::unlinkat(cur.get(), sub.c_str(), 0) < 0 && errno != ENOENT)
            return err.sys("removing " + path_of(stack, sub));
          continue;
        }
        return err.sys("opening " + path_of(stack, sub));
      }
      unique_fd child(fd);
      if (::fstat(child.get(), &st) < 0) return err.sys("stat " + path_of(stack, sub));
      if (st.st_dev != dev)
        return err.fail(path_of(stack, sub) + " is a mount point: not crossing it", EBUSY);
      stack.push_back({std::move(sub), st.st_dev, st.st_ino, {}});
      cur = std::move(child);
      if (scan(cur.get(), stack.back().subdirs, path_of(stack), err) < 0) return -1;
      continue;
    }
    // Empty now: remove it from its parent, reached through ".." and checked to be the
    // directory we came down from (no rename can move us elsewhere unnoticed).
    if (stack.size() == 1) {
      if (::unlinkat(dirfd, name, AT_REMOVEDIR) < 0 && errno != ENOENT)
        return err.sys("removing directory " + std::string(name));
      return 0;
    }
    unique_fd parent(::openat(cur.get(), "..", O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (!parent) return err.sys("opening the parent of " + path_of(stack));
    const Frame& up = stack[stack.size() - 2];
    if (::fstat(parent.get(), &st) < 0 || st.st_dev != up.dev || st.st_ino != up.ino)
      return err.fail(path_of(stack) + " was moved while being removed", ESTALE);
    if (::unlinkat(parent.get(), f.name.c_str(), AT_REMOVEDIR) < 0 && errno != ENOENT)
      return err.sys("removing directory " + path_of(stack));
    stack.pop_back();
    cur = std::move(parent);
  }
  return 0;
}

}  // namespace sandbox::unpack
