// The merged tree: lookups across layers, whiteouts, opaque directories and copy-up. Every
// function here runs with Overlay::mu held (see overlay.h); paths are relative to a layer's
// root fd and only ever pass through directories this code found to be directories, so a
// layer's symlink can't send a lookup outside it.
#include "fuse/overlay.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/sendfile.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <atomic>
#include <cstring>
#include <unordered_set>

#include "sandbox/unique_fd.h"

namespace sandbox::fuse {
namespace {

constexpr char kOpaqueXattr[] = "user.overlay.opaque";
constexpr char kOverlayXattrPrefix[] = "user.overlay.";
constexpr unsigned kOverflowId = 65534;

std::string join(const std::string& dir, const std::string& name) {
  return dir == "." ? name : dir + "/" + name;
}

unsigned map_down(const IdMap& m, unsigned id, bool& ok) {  // host id -> container id
  for (const auto& r : m)
    if (id >= r.host_id && id - r.host_id < r.size) {
      ok = true;
      return static_cast<unsigned>(r.container_id + (id - r.host_id));
    }
  ok = false;
  return kOverflowId;
}

unsigned map_up(const IdMap& m, unsigned id, bool& ok) {  // container id -> host id
  for (const auto& r : m)
    if (id >= r.container_id && id - r.container_id < r.size) {
      ok = true;
      return static_cast<unsigned>(r.host_id + (id - r.container_id));
    }
  ok = false;
  return kOverflowId;
}

std::atomic<unsigned long> g_copy_seq{0};

int copy_data(int from, int to, off_t size) {
  off_t done = 0;
  while (done < size) {
    // copy_file_range shares extents on reflink filesystems and stays in the kernel elsewhere.
    ssize_t n = ::copy_file_range(from, nullptr, to, nullptr, static_cast<size_t>(size - done), 0);
    if (n < 0 && (errno == EXDEV || errno == ENOSYS || errno == EOPNOTSUPP || errno == EINVAL))
      n = ::sendfile(to, from, nullptr, static_cast<size_t>(size - done));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return -errno;
    if (n == 0) break;  // the file shrank: layers are read-only, so it can't, but don't spin
    done += n;
  }
  return 0;
}

// Copy xattrs between two paths, leaving out the overlay's own (an opaque flag copied to the
// upper dir would hide the lower directory it is a copy of).
int copy_xattrs(const std::string& from, const std::string& to) {
  ssize_t len = ::llistxattr(from.c_str(), nullptr, 0);
  if (len <= 0) return 0;
  std::string names(static_cast<size_t>(len), '\0');
  len = ::llistxattr(from.c_str(), names.data(), names.size());
  if (len < 0) return 0;
  for (size_t i = 0; i < static_cast<size_t>(len);) {
    const char* name = names.c_str() + i;
    i += std::strlen(name) + 1;
    if (std::strncmp(name, kOverlayXattrPrefix, sizeof kOverlayXattrPrefix - 1) == 0) continue;
    ssize_t vlen = ::lgetxattr(from.c_str(), name, nullptr, 0);
    if (vlen < 0) continue;
    std::string value(static_cast<size_t>(vlen), '\0');
    vlen = ::lgetxattr(from.c_str(), name, value.data(), value.size());
    if (vlen < 0) continue;
    // trusted.* and security.* may be refused to us; the kernel overlay drops them too.
    if (::lsetxattr(to.c_str(), name, value.data(), static_cast<size_t>(vlen), 0) < 0 &&
        errno != EPERM && errno != ENOTSUP)
      return -errno;
  }
  return 0;
}

}  // namespace

bool is_whiteout(const struct stat& st) { return S_ISCHR(st.st_mode) && st.st_rdev == makedev(0, 0); }

unsigned IdRemap::present(unsigned disk) const {
  if (!active()) return disk;
  bool ok = false;
  unsigned host = map_up(container, disk, ok);
  if (!ok) return kOverflowId;
  return map_down(storage, host, ok);
}

unsigned IdRemap::to_disk(unsigned shown) const {
  if (!active()) return shown;
  bool ok = false;
  unsigned host = map_up(storage, shown, ok);
  if (!ok) return kOverflowId;
  return map_down(container, host, ok);
}

int Overlay::init(const OverlayConfig& cfg, std::string& problem) {
  std::vector<std::string> dirs{cfg.upperdir};
  dirs.insert(dirs.end(), cfg.lowerdirs.begin(), cfg.lowerdirs.end());
  for (const auto& d : dirs) {
    int fd = ::open(d.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) {
      problem = "open layer " + d + ": " + std::strerror(errno);
      return -1;
    }
    layer_fds.push_back(fd);
    layer_paths.push_back(d);
  }
  work_fd = ::open(cfg.workdir.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (work_fd < 0) {
    problem = "open workdir " + cfg.workdir + ": " + std::strerror(errno);
    return -1;
  }
  work_path_ = cfg.workdir;
  uids = cfg.uids;
  gids = cfg.gids;
  // The root always exists in the upper dir (the store creates it), so it never needs a
  // copy-up; its merge reaches down to the first opaque layer root.
  struct stat st;
  if (::fstat(layer_fds[0], &st) < 0) {
    problem = "stat upperdir: " + std::string(std::strerror(errno));
    return -1;
  }
  root.type = S_IFDIR;
  root.ino = st.st_ino;
  root.nlookup = 1;
  int bottom = 0;
  if (dir_range(".", 0, static_cast<int>(layer_fds.size()) - 1, bottom) < 0) {
    problem = "read the layers' root directories: " + std::string(std::strerror(errno));
    return -1;
  }
  root.dir_bottom = bottom;
  return 0;
}

std::string Overlay::path(const Node* n) const {
  if (n == &root) return ".";
  std::vector<const std::string*> parts;
  for (const Node* p = n; p && p != &root; p = p->parent) parts.push_back(&p->name);
  std::string out;
  for (auto it = parts.rbegin(); it != parts.rend(); ++it) {
    if (!out.empty()) out += '/';
    out += **it;
  }
  return out;
}

bool Overlay::opaque(int layer, const std::string& rel) const {
  char v = 0;
  std::string p = layer_paths[static_cast<size_t>(layer)] + "/" + rel;
  return ::lgetxattr(p.c_str(), kOpaqueXattr, &v, 1) == 1 && v == 'y';
}

// A directory at `rel` found in layer `top`: how far down do its lower copies merge in?
int Overlay::dir_range(const std::string& rel, int top, int bottom_limit, int& bottom) const {
  bottom = top;
  if (opaque(top, rel)) return 0;
  for (int l = top + 1; l <= bottom_limit; l++) {
    struct stat st;
    if (::fstatat(layer_fds[static_cast<size_t>(l)], rel.c_str(), &st, AT_SYMLINK_NOFOLLOW) < 0) {
      if (errno == ENOENT || errno == ENOTDIR) continue;
      return -errno;
    }
    if (!S_ISDIR(st.st_mode)) break;  // a whiteout or a file ends the merge
    bottom = l;
    if (opaque(l, rel)) break;
  }
  return 0;
}

int Overlay::lookup(Node* dir, const std::string& name, Node** out) {
  auto it = dir->kids.find(name);
  if (it != dir->kids.end()) {
    *out = it->second;
    return 0;
  }
  std::string rel = join(path(dir), name);
  int first = -1;
  struct stat fst{};
  bool in_lower = false;
  for (int l = dir->layer; l <= dir->dir_bottom; l++) {
    struct stat st;
    if (::fstatat(layer_fds[static_cast<size_t>(l)], rel.c_str(), &st, AT_SYMLINK_NOFOLLOW) < 0) {
      if (errno == ENOENT || errno == ENOTDIR) continue;
      return -errno;
    }
    if (is_whiteout(st)) break;
    if (first < 0) {
      first = l;
      fst = st;
      if (l > 0) {
        in_lower = true;
        break;
      }
    } else {
      in_lower = true;
      break;
    }
  }
  if (first < 0) return -ENOENT;
  Node* n = attach(dir, name, first, in_lower, fst);
  if (S_ISDIR(fst.st_mode)) {
    int r = dir_range(rel, first, dir->dir_bottom, n->dir_bottom);
    if (r < 0) return r;
  }
  *out = n;
  return 0;
}

Node* Overlay::attach(Node* dir, const std::string& name, int layer, bool in_lower,
                      const struct stat& st) {
  Node* n = new Node;
  n->parent = dir;
  n->name = name;
  n->layer = layer;
  n->in_lower = in_lower;
  n->dir_bottom = layer;
  n->type = st.st_mode & S_IFMT;
  n->ino = st.st_ino;
  dir->kids[name] = n;
  return n;
}

void Overlay::detach(Node* n) {
  if (n->parent && !n->removed) {
    auto it = n->parent->kids.find(n->name);
    if (it != n->parent->kids.end() && it->second == n) n->parent->kids.erase(it);
  }
  n->removed = true;
}

void Overlay::drop_name(Node* n, Node* dir, const std::string& name) {
  auto it = dir->kids.find(name);
  if (it != dir->kids.end() && it->second == n) dir->kids.erase(it);
  if (n->parent == dir && n->name == name) {
    if (n->aliases.empty()) {
      n->removed = true;
      return;
    }
    n->parent = n->aliases.front().first;
    n->name = n->aliases.front().second;
    n->aliases.erase(n->aliases.begin());
    return;
  }
  for (auto a = n->aliases.begin(); a != n->aliases.end(); ++a)
    if (a->first == dir && a->second == name) {
      n->aliases.erase(a);
      return;
    }
}

void Overlay::add_name(Node* n, Node* dir, const std::string& name) {
  dir->kids[name] = n;
  if (n->removed) {
    n->removed = false;
    n->parent = dir;
    n->name = name;
  } else {
    n->aliases.emplace_back(dir, name);
  }
}

void Overlay::present_ids(struct stat& st) const {
  st.st_uid = uids.present(st.st_uid);
  st.st_gid = gids.present(st.st_gid);
}

int Overlay::stat(const Node* n, struct stat& st) const {
  if (n->removed) {
    if (n->keep_fd < 0 || ::fstat(n->keep_fd, &st) < 0) return -ENOENT;
  } else if (::fstatat(layer_fds[static_cast<size_t>(n->layer)], path(n).c_str(), &st, AT_SYMLINK_NOFOLLOW) < 0) {
    return -errno;
  }
  st.st_ino = n->ino;
  present_ids(st);
  return 0;
}

int Overlay::chown_new(int dirfd, const std::string& rel, uid_t uid, gid_t gid) const {
  if (::fchownat(dirfd, rel.c_str(), uids.to_disk(uid), gids.to_disk(gid), AT_SYMLINK_NOFOLLOW) < 0)
    return -errno;
  return 0;
}

int Overlay::copy_up(Node* n) {
  if (n->layer == 0) return 0;
  if (n->parent && n->parent->layer != 0) {
    int r = copy_up(n->parent);
    if (r < 0) return r;
  }
  const std::string rel = path(n);
  const int src = layer_fds[static_cast<size_t>(n->layer)];
  struct stat st;
  if (::fstatat(src, rel.c_str(), &st, AT_SYMLINK_NOFOLLOW) < 0) return -errno;
  // Built in the workdir under a private name, then renamed into place: a crash never leaves a
  // half-copied file that shadows the lower one.
  const std::string tmp = "copyup-" + std::to_string(::getpid()) + "-" + std::to_string(++g_copy_seq);
  int r = 0;
  switch (st.st_mode & S_IFMT) {
    case S_IFDIR:
      if (::mkdirat(work_fd, tmp.c_str(), 0700) < 0) return -errno;
      break;
    case S_IFREG: {
      unique_fd in(::openat(src, rel.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC));
      if (!in) return -errno;
      unique_fd out(::openat(work_fd, tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600));
      if (!out) return -errno;
      r = copy_data(in.get(), out.get(), st.st_size);
      break;
    }
    case S_IFLNK: {
      std::string target(static_cast<size_t>(st.st_size) + 1, '\0');
      ssize_t len = ::readlinkat(src, rel.c_str(), target.data(), target.size());
      if (len < 0) return -errno;
      target.resize(static_cast<size_t>(len));
      if (::symlinkat(target.c_str(), work_fd, tmp.c_str()) < 0) return -errno;
      break;
    }
    default:  // fifos and sockets; device nodes need CAP_MKNOD, which no user namespace has
      if (::mknodat(work_fd, tmp.c_str(), st.st_mode, st.st_rdev) < 0) return -errno;
  }
  const std::string tmp_path = work_path_ + "/" + tmp;
  // Owner first: chown clears set-id bits, so the mode goes on after it.
  if (r == 0 && ::fchownat(work_fd, tmp.c_str(), st.st_uid, st.st_gid, AT_SYMLINK_NOFOLLOW) < 0)
    r = -errno;
  if (r == 0 && !S_ISLNK(st.st_mode) && ::fchmodat(work_fd, tmp.c_str(), st.st_mode & 07777, 0) < 0)
    r = -errno;
  if (r == 0) r = copy_xattrs(layer_paths[static_cast<size_t>(n->layer)] + "/" + rel, tmp_path);
  const struct timespec times[2] = {st.st_atim, st.st_mtim};
  if (r == 0 && ::utimensat(work_fd, tmp.c_str(), times, AT_SYMLINK_NOFOLLOW) < 0) r = -errno;
  if (r == 0 && ::renameat(work_fd, tmp.c_str(), layer_fds[0], rel.c_str()) < 0) r = -errno;
  if (r < 0) {
    ::unlinkat(work_fd, tmp.c_str(), S_ISDIR(st.st_mode) ? AT_REMOVEDIR : 0);
    return r;
  }
  n->layer = 0;
  return 0;
}

int Overlay::clear_whiteout(Node* d, const std::string& name, bool* was_whiteout) {
  *was_whiteout = false;
  std::string rel = join(path(d), name);
  struct stat st;
  if (::fstatat(layer_fds[0], rel.c_str(), &st, AT_SYMLINK_NOFOLLOW) < 0)
    return errno == ENOENT ? 0 : -errno;
  if (!is_whiteout(st)) return -EEXIST;
  if (::unlinkat(layer_fds[0], rel.c_str(), 0) < 0) return -errno;
  *was_whiteout = true;
  return 0;
}

int Overlay::make_whiteout(Node* d, const std::string& name) {
  std::string rel = join(path(d), name);
  // A 0:0 character device is the one device node an unprivileged user may create (Linux 5.8).
  if (::mknodat(layer_fds[0], rel.c_str(), S_IFCHR | 0, makedev(0, 0)) < 0) return -errno;
  return 0;
}

int Overlay::list(Node* d, std::vector<Entry>& out) {
  const std::string rel = path(d);
  std::unordered_set<std::string> seen;
  for (int l = d->layer; l <= d->dir_bottom; l++) {
    int fd = ::openat(layer_fds[static_cast<size_t>(l)], rel.c_str(),
                      O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0) {
      if (errno == ENOENT || errno == ENOTDIR) continue;
      return -errno;
    }
    DIR* dp = ::fdopendir(fd);
    if (!dp) {
      ::close(fd);
      return -ENOMEM;
    }
    while (struct dirent* e = ::readdir(dp)) {
      if (std::strcmp(e->d_name, ".") == 0 || std::strcmp(e->d_name, "..") == 0) continue;
      std::string name = e->d_name;
      if (!seen.insert(name).second) continue;
      if (e->d_type == DT_CHR || e->d_type == DT_UNKNOWN) {
        struct stat st;
        if (::fstatat(::dirfd(dp), e->d_name, &st, AT_SYMLINK_NOFOLLOW) == 0 && is_whiteout(st))
          continue;  // hides the name below, and is not listed itself
      }
      auto k = d->kids.find(name);
      out.push_back({std::move(name), k != d->kids.end() ? k->second->ino : e->d_ino, e->d_type});
    }
    ::closedir(dp);
  }
  return 0;
}

}  // namespace sandbox::fuse
