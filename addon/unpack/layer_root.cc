#include "unpack/layer_root.h"

#include <fcntl.h>
#include <limits.h>
#include <linux/openat2.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <vector>

namespace sandbox::unpack {
namespace {

constexpr int kMaxSymlinkHops = 40;  // the kernel's own limit for one resolution

long openat2_in_root(int root, const std::string& path, int flags) {
  open_how how{};
  how.flags = static_cast<uint64_t>(flags | O_CLOEXEC);
  // RESOLVE_IN_ROOT: "/" and ".." stop at the root fd, absolute symlinks start from it.
  // RESOLVE_NO_MAGICLINKS: /proc-style links could point anywhere; a layer has no business
  // holding them.
  how.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS;
  const char* p = path.empty() ? "." : path.c_str();
  for (int tries = 0;; tries++) {
    long fd = ::syscall(SYS_openat2, root, p, &how, sizeof how);
    // EAGAIN: a concurrent rename raced the resolution; nothing else writes here, but retry.
    if (fd < 0 && errno == EAGAIN && tries < 16) continue;
    return fd;
  }
}

std::vector<std::string> components(std::string_view p) {
  std::vector<std::string> out;
  while (!p.empty()) {
    size_t slash = p.find('/');
    std::string_view c = p.substr(0, slash);
    if (!c.empty()) out.emplace_back(c);
    if (slash == std::string_view::npos) break;
    p.remove_prefix(slash + 1);
  }
  return out;
}

// Lexical resolution of a symlink's target inside the root: absolute targets start at the
// root, ".." never climbs above it (what RESOLVE_IN_ROOT does in the kernel).
std::string resolve_lexically(const std::string& base, const std::string& target) {
  std::vector<std::string> out;
  if (target.empty() || target[0] != '/') out = components(base);
  for (auto& c : components(target)) {
    if (c == ".") continue;
    if (c == "..") {
      if (!out.empty()) out.pop_back();
      continue;
    }
    out.push_back(std::move(c));
  }
  std::string joined;
  for (const auto& c : out) joined += (joined.empty() ? "" : "/") + c;
  return joined;
}

}  // namespace

bool normalise_name(std::string_view in, std::string& out, Error& err) {
  out.clear();
  for (const auto& c : components(in)) {
    if (c == ".") continue;
    if (c == "..") {
      err.fail("refusing tar entry '" + std::string(in) + "': it has a '..' component", EINVAL);
      return false;
    }
    if (!out.empty()) out += '/';
    out += c;
  }
  if (out.size() >= PATH_MAX) {
    err.fail("refusing tar entry '" + std::string(in.substr(0, 64)) + "...': name too long",
             ENAMETOOLONG);
    return false;
  }
  return true;
}

void split_name(const std::string& name, std::string& parent, std::string& base) {
  size_t slash = name.rfind('/');
  if (slash == std::string::npos) {
    parent.clear();
    base = name;
  } else {
    parent = name.substr(0, slash);
    base = name.substr(slash + 1);
  }
}

int LayerRoot::open(const std::string& dest, Error& err) {
  root_.reset(::open(dest.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!root_) return err.sys("opening the layer directory " + dest);
  return 0;
}

void LayerRoot::removed(const std::string& path) {
  if (cached_name_ == path ||
      (cached_name_.size() > path.size() && cached_name_.compare(0, path.size(), path) == 0 &&
       cached_name_[path.size()] == '/'))
    invalidate();
}

void LayerRoot::invalidate() {
  cached_.reset();
  cached_name_.clear();
}

int LayerRoot::dir(const std::string& dir, bool create, Error& err) {
  if (dir.empty()) return root_.get();
  if (cached_ && cached_name_ == dir) return cached_.get();
  invalidate();
  long fd = openat2_in_root(root_.get(), dir, O_RDONLY | O_DIRECTORY);
  if (fd < 0 && errno == ENOENT && create) return walk_creating(dir, err);
  if (fd < 0) return err.sys("resolving directory '" + dir + "' inside the layer");
  cached_.reset(static_cast<int>(fd));
  cached_name_ = dir;
  return cached_.get();
}

unique_fd LayerRoot::open_dir(const std::string& dir, bool follow_last, Error& err) const {
  long fd = openat2_in_root(root_.get(), dir, O_RDONLY | O_DIRECTORY | (follow_last ? 0 : O_NOFOLLOW));
  if (fd < 0) err.sys("opening directory '" + dir + "' inside the layer");
  return unique_fd(static_cast<int>(fd));
}

int LayerRoot::walk_creating(const std::string& wanted, Error& err) {
  std::string path = wanted;
  for (int hops = 0;; hops++) {
    if (hops > kMaxSymlinkHops)
      return err.fail("resolving '" + wanted + "' inside the layer: too many symlinks", ELOOP);
    if (path.size() >= PATH_MAX)
      return err.fail("resolving '" + wanted + "' inside the layer: name too long", ENAMETOOLONG);
    std::vector<std::string> comps = components(path);
    unique_fd cur;  // empty = the root
    std::string done;  // the real (symlink-free) path of `cur`
    bool restarted = false;
    for (size_t i = 0; i < comps.size() && !restarted; i++) {
      const std::string& c = comps[i];
      int at = cur ? cur.get() : root_.get();
      int fd = ::openat(at, c.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
      if (fd < 0 && errno == ENOENT) {
        // Only one name, in a directory already inside the root: mkdirat cannot escape.
        if (::mkdirat(at, c.c_str(), 0755) < 0 && errno != EEXIST)
          return err.sys("creating directory '" + (done.empty() ? c : done + "/" + c) + "'");
        fd = ::openat(at, c.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
      }
      if (fd >= 0) {
        cur.reset(fd);
        done += (done.empty() ? "" : "/") + c;
        continue;
      }
      int e = errno;
      struct stat st;
      if ((e == ELOOP || e == ENOTDIR) && ::fstatat(at, c.c_str(), &st, AT_SYMLINK_NOFOLLOW) == 0 &&
          S_ISLNK(st.st_mode)) {
        // A symlink on the way: substitute its target (inside the root) and start over.
        char target[PATH_MAX];
        ssize_t n = ::readlinkat(at, c.c_str(), target, sizeof target - 1);
        if (n < 0) return err.sys("reading symlink '" + done + "/" + c + "'");
        std::string rest = resolve_lexically(done, std::string(target, static_cast<size_t>(n)));
        for (size_t j = i + 1; j < comps.size(); j++) rest += (rest.empty() ? "" : "/") + comps[j];
        path = rest;
        restarted = true;
        continue;
      }
      if (e == ELOOP || e == ENOTDIR)
        return err.fail("'" + (done.empty() ? c : done + "/" + c) +
                            "' in the layer is not a directory, but an entry needs it as one",
                        ENOTDIR);
      return err.sys("opening directory '" + (done.empty() ? c : done + "/" + c) + "'", e);
    }
    if (restarted) continue;
    if (!cur) return root_.get();  // a symlink that led back to the root
    cached_ = std::move(cur);
    cached_name_ = wanted;
    return cached_.get();
  }
}

}  // namespace sandbox::unpack
