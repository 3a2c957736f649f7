#include "unpack/vfs_copy.h"

#include <dirent.h>
#include <fcntl.h>
#include <linux/fs.h>
#include <linux/openat2.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>
#include <map>
#include <string>
#include <unordered_map>
#include <vector>

#include "sandbox/protocol.h"
#include "sandbox/unique_fd.h"
#include "unpack/mode_args.h"
#include "unpack/remove_tree.h"
#include "unpack/userns_child.h"

namespace sandbox::unpack {
namespace {

// Every path below a layer or the copy is resolved with this: no symlink is followed (the
// image's own "etc -> /host/etc" is an entry to copy, never a way out), no mount is crossed.
// Nobody else writes the copy while we build it, so a path resolved this way stays what it was.
constexpr unsigned long long kBeneath = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS | RESOLVE_NO_XDEV;

int open_beneath(int root, const std::string& rel, int flags) {
  open_how how{};
  how.flags = static_cast<unsigned long long>(flags | O_CLOEXEC);
  how.resolve = kBeneath;
  return static_cast<int>(::syscall(SYS_openat2, root, rel.empty() ? "." : rel.c_str(), &how, sizeof how));
}

std::string join(const std::string& dir, const std::string& name) { return dir.empty() ? name : dir + "/" + name; }

bool is_whiteout(const struct stat& st) { return S_ISCHR(st.st_mode) && st.st_rdev == makedev(0, 0); }

// The names in a directory, read whole before anything changes below it.
int list_dir(int fd, std::vector<std::string>& names, const std::string& where, Error& err) {
  if (::lseek(fd, 0, SEEK_SET) < 0) return err.sys("rewinding " + where);
  alignas(8) char buf[32768];
  for (;;) {
    ssize_t n = ::getdents64(fd, buf, sizeof buf);
    if (n < 0) return err.sys("reading directory " + where);
    if (n == 0) return 0;
    for (ssize_t off = 0; off < n;) {
      auto* d = reinterpret_cast<struct dirent64*>(buf + off);
      off += d->d_reclen;
      if (std::strcmp(d->d_name, ".") != 0 && std::strcmp(d->d_name, "..") != 0) names.emplace_back(d->d_name);
    }
  }
}

// The xattr names of fd; an empty list where the filesystem has none.
int xattr_names(int fd, std::vector<std::string>& out, const std::string& where, Error& err) {
  std::vector<char> buf(1024);
  for (;;) {
    ssize_t n = ::flistxattr(fd, buf.data(), buf.size());
    if (n >= 0) {
      for (ssize_t i = 0; i < n;) {
        std::string name(buf.data() + i);
        i += static_cast<ssize_t>(name.size()) + 1;
        if (!name.empty()) out.push_back(std::move(name));
      }
      return 0;
    }
    if (errno == ENOTSUP) return 0;
    if (errno != ERANGE) return err.sys("listing xattrs of " + where);
    ssize_t need = ::flistxattr(fd, nullptr, 0);
    if (need < 0) return err.sys("listing xattrs of " + where);
    buf.resize(static_cast<size_t>(need) + 1);
  }
}

// Overlay's own bookkeeping (opaque marks) describes the layer, not the file: never copied.
bool overlay_private(const std::string& name) { return name.rfind("user.overlay.", 0) == 0; }

// Makes dst's xattrs exactly src's (overlay shows only the top-most copy's). Both fds are
// regular files or directories (the only kinds that carry user.* xattrs).
int copy_xattrs(int src, int dst, bool clear_first, const std::string& where, Error& err) {
  if (clear_first) {
    std::vector<std::string> old;
    if (xattr_names(dst, old, where, err) < 0) return -1;
    for (const auto& k : old)
      if (::fremovexattr(dst, k.c_str()) < 0 && errno != ENODATA) return err.sys("removing xattr " + k + " of " + where);
  }
  std::vector<std::string> names;
  if (xattr_names(src, names, where, err) < 0) return -1;
  std::vector<char> value(256);
  for (const auto& k : names) {
    if (overlay_private(k)) continue;
    ssize_t n;
    for (;;) {
      n = ::fgetxattr(src, k.c_str(), value.data(), value.size());
      if (n >= 0 || errno != ERANGE) break;
      ssize_t need = ::fgetxattr(src, k.c_str(), nullptr, 0);
      if (need < 0) break;
      value.resize(static_cast<size_t>(need) + 1);
    }
    if (n < 0) {
      if (errno == ENODATA) continue;  // removed meanwhile
      return err.sys("reading xattr " + k + " of " + where);
    }
    // The unpacker set these in this same namespace, so setting them again must work; a
    // refusal here is a real difference from the overlay drivers, not something to hide.
    if (::fsetxattr(dst, k.c_str(), value.data(), static_cast<size_t>(n), 0) < 0)
      return err.sys("setting xattr " + k + " on " + where);
  }
  return 0;
}

// Copies [off, off+len) of in to the same offsets of out: copy_file_range where the kernel
// can, else pread/pwrite. Returns the bytes copied (fewer when the file is shorter).
ssize_t copy_range(int in, int out, off_t off, off_t len, bool& use_cfr, std::vector<char>& buf) {
  off_t done = 0;
  while (done < len) {
    ssize_t n;
    if (use_cfr) {
      loff_t a = off + done, b = off + done;
      n = ::copy_file_range(in, &a, out, &b, static_cast<size_t>(len - done), 0);
      if (n < 0 && (errno == EXDEV || errno == EINVAL || errno == ENOSYS || errno == EOPNOTSUPP)) {
        use_cfr = false;
        continue;
      }
    } else {
      if (buf.empty()) buf.resize(1 << 20);
      n = ::pread(in, buf.data(), std::min(buf.size(), static_cast<size_t>(len - done)), off + done);
      for (ssize_t w = 0; n > 0 && w < n;) {
        ssize_t m = ::pwrite(out, buf.data() + w, static_cast<size_t>(n - w), off + done + w);
        if (m < 0) {
          if (errno == EINTR) continue;
          return -1;
        }
        w += m;
      }
    }
    if (n < 0) {
      if (errno == EINTR) continue;
      return -1;
    }
    if (n == 0) break;
    done += n;
  }
  return static_cast<ssize_t>(done);
}

// File data: a reflink where the filesystem shares extents (btrfs, xfs), else the data
// segments one by one, so a sparse file (a 1 TiB /var/log/lastlog) stays sparse in the copy.
int copy_data(int in, int out, off_t size, const std::string& where, Error& err) {
  if (size == 0) return 0;
  if (::ioctl(out, FICLONE, in) == 0) return 0;
  bool use_cfr = true;
  std::vector<char> buf;
  for (off_t pos = 0; pos < size;) {
    off_t data = ::lseek(in, pos, SEEK_DATA);
    if (data < 0) {
      if (errno == ENXIO) break;  // only a hole up to the end
      if (errno != EINVAL) return err.sys("finding the data of " + where);
      data = pos;  // no SEEK_DATA here: all of it is data
    }
    if (data >= size) break;
    off_t hole = ::lseek(in, data, SEEK_HOLE);
    if (hole < 0 || hole > size) hole = size;
    ssize_t n = copy_range(in, out, data, hole - data, use_cfr, buf);
    if (n < 0) return err.sys("copying " + where);
    if (n < hole - data) break;  // the layer file is shorter than its stat said: it is what it is
    pos = hole;
  }
  // The trailing hole (and the length of an all-hole file).
  if (::ftruncate(out, size) < 0) return err.sys("setting the size of " + where);
  return 0;
}

class VfsCopy {
 public:
  explicit VfsCopy(int dest) : dest_(dest) {}

  int layer(const std::string& path, Error& err);
  int finish(Error& err);
  long entries() const { return entries_; }

 private:
  int entry(int sdir, int ddir, const std::string& rel, const std::string& name, Error& err);
  int directory(int sdir, int ddir, const std::string& rel, const std::string& name, const struct stat& st, Error& err);
  int regular(int sdir, int ddir, const std::string& rel, const std::string& name, const struct stat& st, Error& err);
  int special(int sdir, int ddir, const std::string& rel, const std::string& name, const struct stat& st, Error& err);

  int dest_;
  int src_ = -1;  // the current layer's root
  std::vector<std::string> pending_;  // directories of this layer still to copy
  // This layer's files with several links: (dev, ino) -> the copy's first name for it.
  std::map<std::pair<dev_t, ino_t>, std::string> links_;
  // Directory times, set last (creating entries changes them); a later layer's win.
  std::map<std::string, std::array<timespec, 2>> dir_times_;
  long entries_ = 0;
};

int VfsCopy::layer(const std::string& path, Error& err) {
  // The layer's own path comes from the CLI's store: following symlinks up to it is intended.
  unique_fd root(::open(path.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!root) return err.sys("opening layer " + path);
  src_ = root.get();
  links_.clear();
  pending_.assign(1, "");
  // One directory pair open at a time, re-resolved from the roots: no recursion, no fd per
  // level, whatever the depth of the image.
  while (!pending_.empty()) {
    std::string rel = std::move(pending_.back());
    pending_.pop_back();
    unique_fd sdir(open_beneath(src_, rel, O_RDONLY | O_DIRECTORY));
    if (!sdir) return err.sys("opening " + path + "/" + rel);
    unique_fd ddir(open_beneath(dest_, rel, O_RDONLY | O_DIRECTORY));
    if (!ddir) return err.sys("opening the copy's /" + rel);
    std::vector<std::string> names;
    if (list_dir(sdir.get(), names, path + "/" + rel, err) < 0) return -1;
    for (const auto& name : names)
      if (entry(sdir.get(), ddir.get(), rel, name, err) < 0) return err.wrap("layer " + path);
  }
  src_ = -1;
  return 0;
}

int VfsCopy::entry(int sdir, int ddir, const std::string& rel, const std::string& name, Error& err) {
  const std::string child = join(rel, name);
  struct stat st;
  if (::fstatat(sdir, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) < 0) return err.sys("stat /" + child);
  // A whiteout hides the name in every layer below: the copy drops it and keeps no mark.
  if (is_whiteout(st)) return remove_tree_at(ddir, name.c_str(), err);
  entries_++;
  if (S_ISDIR(st.st_mode)) return directory(sdir, ddir, rel, name, st, err);
  // Anything else replaces what lower layers had under this name, a directory included.
  if (remove_tree_at(ddir, name.c_str(), err) < 0) return -1;
  if (st.st_nlink > 1) {
    auto it = links_.find({st.st_dev, st.st_ino});
    if (it != links_.end()) {
      const std::string& first = it->second;
      size_t slash = first.rfind('/');
      std::string parent = slash == std::string::npos ? "" : first.substr(0, slash);
      std::string base = slash == std::string::npos ? first : first.substr(slash + 1);
      unique_fd pfd(open_beneath(dest_, parent, O_PATH | O_DIRECTORY));
      if (!pfd) return err.sys("opening the copy's /" + parent);
      if (::linkat(pfd.get(), base.c_str(), ddir, name.c_str(), 0) < 0)
        return err.sys("linking /" + child + " to /" + first);
      return 0;
    }
    links_.emplace(std::make_pair(st.st_dev, st.st_ino), child);
  }
  if (S_ISREG(st.st_mode)) return regular(sdir, ddir, rel, name, st, err);
  return special(sdir, ddir, rel, name, st, err);
}

int VfsCopy::directory(int sdir, int ddir, const std::string& rel, const std::string& name, const struct stat& st, Error& err) {
  const std::string child = join(rel, name);
  struct stat dst;
  bool existed = ::fstatat(ddir, name.c_str(), &dst, AT_SYMLINK_NOFOLLOW) == 0 && S_ISDIR(dst.st_mode);
  if (!existed) {
    if (remove_tree_at(ddir, name.c_str(), err) < 0) return -1;
    // 0700 until its own mode is set below: nothing else is there to see it meanwhile.
    if (::mkdirat(ddir, name.c_str(), 0700) < 0) return err.sys("creating /" + child);
  }
  unique_fd s(::openat(sdir, name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
  if (!s) return err.sys("opening /" + child + " in the layer");
  unique_fd d(::openat(ddir, name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
  if (!d) return err.sys("opening the copy's /" + child);
  if (existed) {
    // An opaque directory shows none of the lower layers' entries: clear what they put there.
    char v[2];
    ssize_t n = ::fgetxattr(s.get(), "user.overlay.opaque", v, sizeof v);
    if (n == 1 && v[0] == 'y') {
      std::vector<std::string> old;
      if (list_dir(d.get(), old, "/" + child, err) < 0) return -1;
      for (const auto& o : old)
        if (remove_tree_at(d.get(), o.c_str(), err) < 0) return -1;
    }
  }
  // A directory in several layers shows the top-most one's owner, mode and xattrs.
  if (::fchown(d.get(), st.st_uid, st.st_gid) < 0) return err.sys("chown /" + child);
  if (copy_xattrs(s.get(), d.get(), existed, "/" + child, err) < 0) return -1;
  if (::fchmod(d.get(), st.st_mode & 07777) < 0) return err.sys("chmod /" + child);
  dir_times_[child] = {st.st_atim, st.st_mtim};
  pending_.push_back(child);
  return 0;
}

int VfsCopy::regular(int sdir, int ddir, const std::string& rel, const std::string& name, const struct stat& st, Error& err) {
  std::string child = "/";
  child += join(rel, name);  // (appended: GCC 12 warns falsely about "/" + string)
  unique_fd in(::openat(sdir, name.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC));
  if (!in) return err.sys("opening " + child + " in the layer");
  unique_fd out(::openat(ddir, name.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600));
  if (!out) return err.sys("creating " + child);
  if (copy_data(in.get(), out.get(), st.st_size, child, err) < 0) return -1;
  // Owner first (chown clears setuid/setgid and file capabilities), then the capabilities and
  // other xattrs, then the mode with its setuid bits, then the times (every step above moves
  // ctime/mtime).
  if (::fchown(out.get(), st.st_uid, st.st_gid) < 0) return err.sys("chown " + child);
  if (copy_xattrs(in.get(), out.get(), false, child, err) < 0) return -1;
  if (::fchmod(out.get(), st.st_mode & 07777) < 0) return err.sys("chmod " + child);
  const timespec times[2] = {st.st_atim, st.st_mtim};
  if (::futimens(out.get(), times) < 0) return err.sys("setting the times of " + child);
  return 0;
}

int VfsCopy::special(int sdir, int ddir, const std::string& rel, const std::string& name, const struct stat& st, Error& err) {
  std::string child = "/";
  child += join(rel, name);  // (appended: GCC 12 warns falsely about "/" + string)
  if (S_ISLNK(st.st_mode)) {
    std::vector<char> target(static_cast<size_t>(st.st_size) + 2);
    ssize_t n = ::readlinkat(sdir, name.c_str(), target.data(), target.size());
    if (n < 0) return err.sys("reading the symlink " + child);
    if (static_cast<size_t>(n) >= target.size()) return err.fail("the symlink " + child + " changed while being copied", EAGAIN);
    target[static_cast<size_t>(n)] = '\0';
    if (::symlinkat(target.data(), ddir, name.c_str()) < 0) return err.sys("creating the symlink " + child);
  } else {
    // FIFOs and sockets (device nodes never reach a layer: the unpacker leaves them out).
    if (::mknodat(ddir, name.c_str(), st.st_mode & (S_IFMT | 0600), st.st_rdev) < 0) return err.sys("creating " + child);
  }
  if (::fchownat(ddir, name.c_str(), st.st_uid, st.st_gid, AT_SYMLINK_NOFOLLOW) < 0) return err.sys("chown " + child);
  // fchmodat follows a symlink (and symlinks have no mode of their own); a FIFO or socket we
  // just made is no symlink.
  if (!S_ISLNK(st.st_mode) && ::fchmodat(ddir, name.c_str(), st.st_mode & 07777, 0) < 0) return err.sys("chmod " + child);
  const timespec times[2] = {st.st_atim, st.st_mtim};
  if (::utimensat(ddir, name.c_str(), times, AT_SYMLINK_NOFOLLOW) < 0) return err.sys("setting the times of " + child);
  return 0;
}

int VfsCopy::finish(Error& err) {
  for (const auto& [rel, t] : dir_times_) {
    unique_fd d(open_beneath(dest_, rel, O_RDONLY | O_DIRECTORY));
    if (!d) {
      // A later layer removed it or put a non-directory there: no times to set.
      if (errno == ENOENT || errno == ENOTDIR) continue;
      return err.sys("opening the copy's /" + rel);
    }
    if (::futimens(d.get(), t.data()) < 0) return err.sys("setting the times of /" + rel);
  }
  return 0;
}

int report(const Error& err) {
  protocol::send(STDOUT_FILENO, protocol::error("vfs-copy", err.errnum, err.message));
  return 1;
}

// Runs inside the user namespace, as its root.
int copy_here(const std::string& dest, const std::vector<std::string>& layers) {
  ::umask(0);
  Error err;
  unique_fd d(::open(dest.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!d) {
    err.sys("opening " + dest);
    return report(err);
  }
  VfsCopy copy(d.get());
  for (const auto& l : layers)
    if (copy.layer(l, err) < 0) return report(err);
  if (copy.finish(err) < 0) return report(err);
  protocol::send(STDOUT_FILENO, protocol::unpacked(copy.entries(), {}));
  return 0;
}

}  // namespace
}  // namespace sandbox::unpack

int vfs_copy_main(int argc, char** argv) {
  using namespace sandbox;
  using namespace sandbox::unpack;
  Error err;
  ModeArgs args;
  if (!parse_mode_args(argc, argv, false, false, args, err)) return report(err);
  if (args.paths.size() < 2) {
    err.fail("usage: sandbox-monitor vfs-copy --uidmap MAP --gidmap MAP DEST LAYER...", EINVAL);
    return report(err);
  }
  for (const auto& p : args.paths)
    if (p.empty() || p[0] != '/') {
      err.fail("vfs-copy wants absolute paths, got '" + p + "'", EINVAL);
      return report(err);
    }
  const std::string dest = args.paths[0];
  const std::vector<std::string> layers(args.paths.begin() + 1, args.paths.end());
  UsernsOptions opts{args.uids, args.gids, 0};
  int status = run_in_userns(opts, [&] { return copy_here(dest, layers); }, err);
  if (status < 0) return report(err);
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  err.fail("vfs-copy process was killed by signal " + std::to_string(WTERMSIG(status)), EINTR);
  return report(err);
}
