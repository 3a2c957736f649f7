#include "unpack/layer_writer.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "sandbox/unique_fd.h"
#include "sandbox/write_all.h"
#include "unpack/remove_tree.h"

namespace sandbox::unpack {
namespace {

constexpr size_t kMaxSkippedListed = 1000;  // the message stays small whatever the archive holds
constexpr std::string_view kWhiteoutPrefix = ".wh.";
constexpr std::string_view kOpaqueMarker = ".wh..wh..opq";
constexpr std::string_view kAufsMetaPrefix = ".wh..wh.";

bool starts_with(std::string_view s, std::string_view prefix) { return s.substr(0, prefix.size()) == prefix; }

bool in_map(const IdMap& m, int64_t id) {
  for (const auto& r : m)
    if (id >= static_cast<int64_t>(r.container_id) && id < static_cast<int64_t>(r.container_id + r.size)) return true;
  return false;
}

std::string map_span(const IdMap& m) {
  std::string s;
  for (const auto& r : m)
    s += (s.empty() ? "" : ", ") + std::to_string(r.container_id) + "-" + std::to_string(r.container_id + r.size - 1);
  return s;
}

bool pwrite_all(int fd, const char* p, size_t n, off_t off) {
  while (n > 0) {
    ssize_t w = ::pwrite(fd, p, n, off);
    if (w < 0) {
      if (errno == EINTR) continue;
      return false;
    }
    p += w;
    n -= static_cast<size_t>(w);
    off += w;
  }
  return true;
}

// xattr failures that mean "not allowed or not supported here" rather than a broken disk.
bool xattr_refused(int e) { return e == EPERM || e == EACCES || e == ENOTSUP || e == EINVAL; }

}  // namespace

void LayerWriter::entry_times(const tar::Entry& e, timespec out[2]) {
  out[0] = e.has_atime ? e.atime : e.mtime;
  out[1] = e.mtime;
}

void LayerWriter::skip(const std::string& name, std::string reason) {
  if (skipped_.size() < kMaxSkippedListed) skipped_.emplace_back(name, std::move(reason));
  else skipped_over_++;
}

std::vector<std::pair<std::string, std::string>> LayerWriter::skipped() const {
  auto out = skipped_;
  if (skipped_over_ > 0) out.emplace_back("", "and " + std::to_string(skipped_over_) + " more skipped entries");
  return out;
}

int LayerWriter::apply(const tar::Entry& e, tar::Reader& reader, Error& err) {
  std::string name;
  if (!normalise_name(e.path, name, err)) return -1;
  if (e.kind == tar::Kind::Unsupported) {
    skip(name, std::string("unsupported tar entry type '") + e.typeflag + "'");
    return 0;
  }
  if (e.kind == tar::Kind::CharDevice || e.kind == tar::Kind::BlockDevice) {
    skip(name, "device node: a rootless unpacker cannot create devices");
    if (skipped_devices_.size() < kMaxSkippedListed) skipped_devices_.insert(name);
    return 0;
  }
  if (name.empty()) return root_entry(e, err);
  std::string parent, base;
  split_name(name, parent, base);
  if (starts_with(base, kWhiteoutPrefix)) return whiteout(e, parent, name, base, err);
  int dirfd = root_.dir(parent, true, err);
  if (dirfd < 0) return err.wrap("unpacking '" + name + "'");
  int rc = 0;
  switch (e.kind) {
    case tar::Kind::Regular: rc = regular(e, dirfd, name, base, reader, err); break;
    case tar::Kind::Directory: rc = directory(e, dirfd, name, base, err); break;
    case tar::Kind::Symlink: rc = symlink(e, dirfd, name, base, err); break;
    case tar::Kind::Hardlink:
      rc = hardlink(e, dirfd, parent, name, base, err);
      if (rc > 0) return 0;  // skipped, not created
      break;
    case tar::Kind::Fifo: rc = fifo(e, dirfd, name, base, err); break;
    default: break;
  }
  if (rc < 0) return -1;
  entries_++;
  return 0;
}

int LayerWriter::make_room(int dirfd, const std::string& name, const std::string& base, bool keep_dir,
                           Error& err) {
  struct stat st;
  if (::fstatat(dirfd, base.c_str(), &st, AT_SYMLINK_NOFOLLOW) < 0) {
    if (errno == ENOENT) return 0;
    return err.sys("stat '" + name + "'");
  }
  if (S_ISDIR(st.st_mode) && keep_dir) return 1;
  root_.removed(name);
  if (S_ISDIR(st.st_mode)) {
    // A directory replaced by a non-directory goes with its contents, as in docker.
    if (remove_tree_at(dirfd, base.c_str(), err) < 0) return err.wrap("replacing '" + name + "'");
  } else if (::unlinkat(dirfd, base.c_str(), 0) < 0 && errno != ENOENT) {
    return err.sys("replacing '" + name + "'");
  }
  return 0;
}

int LayerWriter::set_owner(int fd, const std::string& name, const tar::Entry& e, Error& err) {
  if (::fchown(fd, static_cast<uid_t>(e.uid), static_cast<gid_t>(e.gid)) == 0) return 0;
  return set_owner_at(-1, "", name, e, err);
}

int LayerWriter::set_owner_at(int dirfd, const std::string& base, const std::string& name, const tar::Entry& e,
                              Error& err) {
  if (dirfd >= 0 &&
      ::fchownat(dirfd, base.c_str(), static_cast<uid_t>(e.uid), static_cast<gid_t>(e.gid), AT_SYMLINK_NOFOLLOW) == 0)
    return 0;
  int code = errno;
  if (code != EINVAL && code != EOVERFLOW) return err.sys("setting the owner of '" + name + "'", code);
  // The kernel refuses ids with no mapping in this namespace: the user's subordinate range
  // is smaller than the image needs.
  bool uid_bad = !in_map(uids_, e.uid);
  const char* which = uid_bad ? "uid" : "gid";
  int64_t id = uid_bad ? e.uid : e.gid;
  const IdMap& m = uid_bad ? uids_ : gids_;
  return err.fail("'" + name + "' is owned by " + which + " " + std::to_string(id) + ", outside the " + which +
                      "s mapped into the user namespace (" + map_span(m) + "): give your user a larger " +
                      "subordinate range in /etc/sub" + which + " (65536 ids covers most images) and retry",
                  code);
}

int LayerWriter::set_xattrs(int fd, const std::string& name, const tar::Entry& e, Error& err) {
  for (const auto& [key, value] : e.xattrs) {
    if (starts_with(key, "trusted.")) {
      skip(name, "xattr " + key + ": trusted.* needs real root");
      continue;
    }
    if (::fsetxattr(fd, key.c_str(), value.data(), value.size(), 0) == 0) continue;
    int code = errno;
    if (!xattr_refused(code) && code != EOPNOTSUPP)
      return err.sys("setting xattr " + key + " on '" + name + "'", code);
    skip(name, "xattr " + key + ": " + std::strerror(code));
  }
  return 0;
}

int LayerWriter::write_data(int fd, const tar::Entry& e, const std::string& name, tar::Reader& reader, Error& err) {
  const char* p = nullptr;
  if (!e.sparse) {
    for (;;) {
      long n = reader.data(p, err);
      if (n < 0) return -1;
      if (n == 0) return 0;
      if (!write_all(fd, p, static_cast<size_t>(n))) return err.sys("writing '" + name + "'");
    }
  }
  // Sparse: each stored run goes to its offset; the gaps stay holes. The size is set last so
  // a trailing hole exists too.
  for (const auto& run : e.sparse_map) {
    uint64_t left = run.length;
    off_t off = static_cast<off_t>(run.offset);
    while (left > 0) {
      long n = reader.data(p, err, left);
      if (n < 0) return -1;
      if (n == 0) return err.fail("sparse data of '" + name + "' ends early", EIO);
      if (!pwrite_all(fd, p, static_cast<size_t>(n), off)) return err.sys("writing '" + name + "'");
      off += n;
      left -= static_cast<uint64_t>(n);
    }
  }
  if (::ftruncate(fd, static_cast<off_t>(e.real_size)) < 0) return err.sys("sizing '" + name + "'");
  return 0;
}

int LayerWriter::regular(const tar::Entry& e, int dirfd, const std::string& name, const std::string& base,
                         tar::Reader& reader, Error& err) {
  // O_EXCL|O_NOFOLLOW: never write through whatever already sits at the name.
  const int flags = O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC;
  unique_fd fd(::openat(dirfd, base.c_str(), flags, 0600));
  if (!fd && errno == EEXIST) {
    if (make_room(dirfd, name, base, false, err) < 0) return err.wrap("unpacking '" + name + "'");
    fd.reset(::openat(dirfd, base.c_str(), flags, 0600));
  }
  if (!fd) return err.sys("creating '" + name + "'");
  if (write_data(fd.get(), e, name, reader, err) < 0) return -1;
  // Order matters: chown clears setuid/setgid and file capabilities, so the mode comes after
  // it, and security.capability after both.
  if (set_owner(fd.get(), name, e, err) < 0) return -1;
  if (::fchmod(fd.get(), e.mode) < 0) return err.sys("setting the mode of '" + name + "'");
  if (set_xattrs(fd.get(), name, e, err) < 0) return -1;
  timespec ts[2];
  entry_times(e, ts);
  if (::futimens(fd.get(), ts) < 0) return err.sys("setting the times of '" + name + "'");
  if (::close(fd.release()) < 0) return err.sys("closing '" + name + "'");
  return 0;
}

int LayerWriter::directory(const tar::Entry& e, int dirfd, const std::string& name, const std::string& base,
                           Error& err) {
  if (::mkdirat(dirfd, base.c_str(), 0700) < 0) {
    if (errno != EEXIST) return err.sys("creating directory '" + name + "'");
    int kept = make_room(dirfd, name, base, true, err);
    if (kept < 0) return err.wrap("unpacking '" + name + "'");
    if (kept == 0 && ::mkdirat(dirfd, base.c_str(), 0700) < 0) return err.sys("creating directory '" + name + "'");
  }
  unique_fd fd(::openat(dirfd, base.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
  if (!fd) return err.sys("opening directory '" + name + "'");
  if (set_owner(fd.get(), name, e, err) < 0) return -1;
  if (::fchmod(fd.get(), e.mode) < 0) return err.sys("setting the mode of '" + name + "'");
  if (set_xattrs(fd.get(), name, e, err) < 0) return -1;
  DirTime t{name, {}};
  entry_times(e, t.times);
  dir_times_.push_back(std::move(t));
  return 0;
}

int LayerWriter::root_entry(const tar::Entry& e, Error& err) {
  // "./" in a layer describes the container's "/": its owner, mode and times.
  if (e.kind != tar::Kind::Directory)
    return err.fail("refusing tar entry '" + e.path + "': only a directory may stand for the layer root", EINVAL);
  if (set_owner(root_.fd(), "/", e, err) < 0) return -1;
  if (::fchmod(root_.fd(), e.mode) < 0) return err.sys("setting the mode of the layer root");
  if (set_xattrs(root_.fd(), "/", e, err) < 0) return -1;
  DirTime t{"", {}};
  entry_times(e, t.times);
  dir_times_.push_back(std::move(t));
  entries_++;
  return 0;
}

int LayerWriter::symlink(const tar::Entry& e, int dirfd, const std::string& name, const std::string& base,
                         Error& err) {
  // The target is stored as written: it is only ever followed by the kernel inside the
  // container's root, or by us with RESOLVE_IN_ROOT.
  if (::symlinkat(e.linkpath.c_str(), dirfd, base.c_str()) < 0) {
    if (errno != EEXIST) return err.sys("creating symlink '" + name + "'");
    if (make_room(dirfd, name, base, false, err) < 0) return err.wrap("unpacking '" + name + "'");
    if (::symlinkat(e.linkpath.c_str(), dirfd, base.c_str()) < 0) return err.sys("creating symlink '" + name + "'");
  }
  if (set_owner_at(dirfd, base, name, e, err) < 0) return -1;
  if (!e.xattrs.empty()) skip(name, "xattrs on a symlink are not set");
  timespec ts[2];
  entry_times(e, ts);
  if (::utimensat(dirfd, base.c_str(), ts, AT_SYMLINK_NOFOLLOW) < 0) return err.sys("setting the times of '" + name + "'");
  return 0;
}

int LayerWriter::hardlink(const tar::Entry& e, int dirfd, const std::string& parent, const std::string& name,
                          const std::string& base, Error& err) {
  std::string target;
  if (!normalise_name(e.linkpath, target, err)) return err.wrap("hardlink '" + name + "'");
  if (target.empty()) return err.fail("refusing hardlink '" + name + "' to the layer root", EINVAL);
  if (target == name) return 0;  // a link to itself: already there
  if (skipped_devices_.count(target)) {
    skip(name, "hardlink to a device node that was skipped");
    return 1;
  }
  std::string tparent, tbase;
  split_name(target, tparent, tbase);
  // The target's directory is resolved inside the root like any other, so "/etc/passwd"
  // means DEST/etc/passwd; linkat itself never follows a symlink (no AT_SYMLINK_FOLLOW).
  unique_fd tdir_owned;
  int tdir = dirfd;
  if (tparent != parent) {
    tdir_owned = root_.open_dir(tparent, true, err);
    if (!tdir_owned) return err.wrap("hardlink '" + name + "' -> '" + e.linkpath + "': target not in this layer");
    tdir = tdir_owned.get();
  }
  if (::linkat(tdir, tbase.c_str(), dirfd, base.c_str(), 0) < 0) {
    int code = errno;
    if (code == EEXIST) {
      struct stat a, b;
      if (::fstatat(tdir, tbase.c_str(), &a, AT_SYMLINK_NOFOLLOW) == 0 &&
          ::fstatat(dirfd, base.c_str(), &b, AT_SYMLINK_NOFOLLOW) == 0 && a.st_dev == b.st_dev && a.st_ino == b.st_ino)
        return 0;  // already the same file (a duplicate entry)
      if (make_room(dirfd, name, base, false, err) < 0) return err.wrap("unpacking '" + name + "'");
      if (::linkat(tdir, tbase.c_str(), dirfd, base.c_str(), 0) == 0) return 0;
      code = errno;
    }
    if (code == ENOENT)
      return err.fail("hardlink '" + name + "' -> '" + e.linkpath + "': the target is not an entry of this layer", ENOENT);
    return err.sys("creating hardlink '" + name + "' -> '" + e.linkpath + "'", code);
  }
  return 0;
}

int LayerWriter::fifo(const tar::Entry& e, int dirfd, const std::string& name, const std::string& base, Error& err) {
  if (::mkfifoat(dirfd, base.c_str(), 0600) < 0) {
    if (errno != EEXIST) return err.sys("creating fifo '" + name + "'");
    if (make_room(dirfd, name, base, false, err) < 0) return err.wrap("unpacking '" + name + "'");
    if (::mkfifoat(dirfd, base.c_str(), 0600) < 0) return err.sys("creating fifo '" + name + "'");
  }
  if (set_owner_at(dirfd, base, name, e, err) < 0) return -1;
  // fchmodat follows symlinks, but the name is the FIFO just made (and opening a FIFO to use
  // fchmod would block).
  if (::fchmodat(dirfd, base.c_str(), e.mode, 0) < 0) return err.sys("setting the mode of '" + name + "'");
  timespec ts[2];
  entry_times(e, ts);
  if (::utimensat(dirfd, base.c_str(), ts, AT_SYMLINK_NOFOLLOW) < 0) return err.sys("setting the times of '" + name + "'");
  return 0;
}

int LayerWriter::whiteout(const tar::Entry& e, const std::string& parent, const std::string& name,
                          const std::string& base, Error& err) {
  if (base == kOpaqueMarker) {
    // Overlay (mounted with userxattr) reads "opaque" from the user.* namespace.
    int dirfd = root_.dir(parent, true, err);
    if (dirfd < 0) return err.wrap("unpacking '" + name + "'");
    if (::fsetxattr(dirfd, "user.overlay.opaque", "y", 1, 0) < 0)
      return err.sys("marking '" + (parent.empty() ? std::string("/") : parent) + "' opaque");
    entries_++;
    return 0;
  }
  if (starts_with(base, kAufsMetaPrefix)) {
    skip(name, "aufs metadata");
    return 0;
  }
  std::string hidden = base.substr(kWhiteoutPrefix.size());
  if (hidden.empty() || hidden == "." || hidden == "..")
    return err.fail("refusing whiteout '" + e.path + "': it names '" + hidden + "'", EINVAL);
  int dirfd = root_.dir(parent, true, err);
  if (dirfd < 0) return err.wrap("unpacking '" + name + "'");
  const std::string hidden_name = parent.empty() ? hidden : parent + "/" + hidden;
  // A 0:0 character device is overlay's whiteout; the kernel lets an unprivileged user make
  // exactly this device.
  if (::mknodat(dirfd, hidden.c_str(), S_IFCHR, makedev(0, 0)) < 0) {
    if (errno != EEXIST) return err.sys("creating whiteout '" + hidden_name + "'");
    if (make_room(dirfd, hidden_name, hidden, false, err) < 0) return err.wrap("unpacking '" + name + "'");
    if (::mknodat(dirfd, hidden.c_str(), S_IFCHR, makedev(0, 0)) < 0)
      return err.sys("creating whiteout '" + hidden_name + "'");
  }
  if (set_owner_at(dirfd, hidden, hidden_name, e, err) < 0) return -1;
  entries_++;
  return 0;
}

int LayerWriter::finish(Error& err) {
  for (const auto& d : dir_times_) {
    unique_fd owned;
    int fd = root_.fd();
    if (!d.name.empty()) {
      Error ignored;
      owned = root_.open_dir(d.name, false, ignored);
      if (!owned) continue;  // replaced by a non-directory later in the archive
      fd = owned.get();
    }
    if (::futimens(fd, d.times) < 0) return err.sys("setting the times of '" + d.name + "'");
  }
  return 0;
}

}  // namespace sandbox::unpack
