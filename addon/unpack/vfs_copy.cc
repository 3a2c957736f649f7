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
#include "unpack/copy_support.h"
#include "sandbox/unique_fd.h"
#include "unpack/mode_args.h"
#include "unpack/remove_tree.h"
#include "unpack/userns_child.h"

namespace sandbox::unpack {
namespace {

class VfsCopy {
 public:
  VfsCopy(int dest, const IdShift& shift) : dest_(dest), shift_(shift) {}

  // Applies the tree at `root` (a layer, or its --subdir) over the copy; `label` names it in errors.
  int layer(int root, const std::string& label, Error& err);
  int finish(Error& err);
  long entries() const { return entries_; }

 private:
  int entry(int sdir, int ddir, const std::string& rel, const std::string& name, Error& err);
  int directory(int sdir, int ddir, const std::string& rel, const std::string& name, const struct stat& st, Error& err);
  int regular(int sdir, int ddir, const std::string& rel, const std::string& name, const struct stat& st, Error& err);
  int special(int sdir, int ddir, const std::string& rel, const std::string& name, const struct stat& st, Error& err);

  int dest_;
  const IdShift& shift_;
  int src_ = -1;  // the current layer's root
  std::vector<std::string> pending_;  // directories of this layer still to copy
  // This layer's files with several links: (dev, ino) -> the copy's first name for it.
  HardlinkSet links_;
  // Directory times, set last (creating entries changes them); a later layer's win.
  std::map<std::string, std::array<timespec, 2>> dir_times_;
  long entries_ = 0;
};

int VfsCopy::layer(int root, const std::string& path, Error& err) {
  src_ = root;
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
  const std::string child = join_rel(rel, name);
  struct stat st;
  if (::fstatat(sdir, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) < 0) return err.sys("stat /" + child);
  // A whiteout hides the name in every layer below: the copy drops it and keeps no mark.
  if (is_whiteout(st)) return remove_tree_at(ddir, name.c_str(), err);
  entries_++;
  if (S_ISDIR(st.st_mode)) return directory(sdir, ddir, rel, name, st, err);
  // Anything else replaces what lower layers had under this name, a directory included.
  if (remove_tree_at(ddir, name.c_str(), err) < 0) return -1;
  bool linked = false;
  if (links_.link_or_remember(st, dest_, ddir, name, child, "/" + child, linked, err) < 0) return -1;
  if (linked) return 0;
  if (S_ISREG(st.st_mode)) return regular(sdir, ddir, rel, name, st, err);
  return special(sdir, ddir, rel, name, st, err);
}

int VfsCopy::directory(int sdir, int ddir, const std::string& rel, const std::string& name, const struct stat& st, Error& err) {
  const std::string child = join_rel(rel, name);
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
  if (chown_shifted(d.get(), -1, nullptr, st, shift_, "/" + child, err) < 0) return -1;
  if (copy_xattrs(s.get(), d.get(), existed, false, shift_, "/" + child, err) < 0) return -1;
  if (::fchmod(d.get(), st.st_mode & 07777) < 0) return err.sys("chmod /" + child);
  dir_times_[child] = {st.st_atim, st.st_mtim};
  pending_.push_back(child);
  return 0;
}

int VfsCopy::regular(int sdir, int ddir, const std::string& rel, const std::string& name, const struct stat& st, Error& err) {
  std::string child = "/";
  child += join_rel(rel, name);  // (appended: GCC 12 warns falsely about "/" + string)
  unique_fd in(::openat(sdir, name.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC));
  if (!in) return err.sys("opening " + child + " in the layer");
  unique_fd out(::openat(ddir, name.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600));
  if (!out) return err.sys("creating " + child);
  if (copy_data(in.get(), out.get(), st.st_size, child, err) < 0) return -1;
  // Owner first (chown clears setuid/setgid and file capabilities), then the capabilities and
  // other xattrs, then the mode with its setuid bits, then the times (every step above moves
  // ctime/mtime).
  if (chown_shifted(out.get(), -1, nullptr, st, shift_, child, err) < 0) return -1;
  if (copy_xattrs(in.get(), out.get(), false, false, shift_, child, err) < 0) return -1;
  if (::fchmod(out.get(), st.st_mode & 07777) < 0) return err.sys("chmod " + child);
  const timespec times[2] = {st.st_atim, st.st_mtim};
  if (::futimens(out.get(), times) < 0) return err.sys("setting the times of " + child);
  return 0;
}

int VfsCopy::special(int sdir, int ddir, const std::string& rel, const std::string& name, const struct stat& st, Error& err) {
  std::string child = "/";
  child += join_rel(rel, name);  // (appended: GCC 12 warns falsely about "/" + string)
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
  if (chown_shifted(-1, ddir, name.c_str(), st, shift_, child, err) < 0) return -1;
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

// Where --subdir TARGET is in one layer: absent (lower layers show through), hidden (a
// whiteout or a non-directory on the way ends everything below), or a directory, possibly
// opaque somewhere on the way (lower layers hidden, this one's content shows).
enum class SubdirState { Absent, Hidden, Found };

SubdirState find_subdir(int root, const std::vector<std::string>& parts, unique_fd& out, bool& opaque, Error& err) {
  opaque = false;
  unique_fd cur(::fcntl(root, F_DUPFD_CLOEXEC, 3));
  if (!cur) return err.sys("dup"), SubdirState::Hidden;
  for (const auto& p : parts) {
    struct stat st;
    if (::fstatat(cur.get(), p.c_str(), &st, AT_SYMLINK_NOFOLLOW) < 0) {
      if (errno == ENOENT) return SubdirState::Absent;
      err.sys("stat " + p);
      return SubdirState::Hidden;
    }
    // A symlink counts as a non-directory: the image's own link is never followed out of it.
    if (is_whiteout(st) || !S_ISDIR(st.st_mode)) return SubdirState::Hidden;
    unique_fd next(::openat(cur.get(), p.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
    if (!next) return err.sys("opening " + p), SubdirState::Hidden;
    char v[2];
    if (::fgetxattr(next.get(), "user.overlay.opaque", v, sizeof v) == 1 && v[0] == 'y') opaque = true;
    cur = std::move(next);
  }
  out = std::move(cur);
  return SubdirState::Found;
}

// Runs inside the user namespace, as its root.
int copy_here(const std::string& dest, const std::vector<std::string>& layers, const std::string& subdir, const IdShift& shift) {
  ::umask(0);
  Error err;
  unique_fd d(::open(dest.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!d) {
    err.sys("opening " + dest);
    return report(err);
  }
  std::vector<std::string> parts;
  for (size_t i = 0; i < subdir.size();) {
    size_t j = subdir.find('/', i);
    if (j == std::string::npos) j = subdir.size();
    std::string p = subdir.substr(i, j - i);
    if (p == "..") return err.fail("--subdir must not hold '..'", EINVAL), report(err);
    if (!p.empty() && p != ".") parts.push_back(p);
    i = j + 1;
  }
  // The trees to apply, bottom first: the layer roots, or where --subdir is in each layer from
  // the last one that hides what is below.
  std::vector<std::pair<unique_fd, std::string>> trees;
  for (const auto& l : layers) {
    // The layer's own path comes from the CLI's store: following symlinks up to it is intended.
    unique_fd root(::open(l.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (!root) return err.sys("opening layer " + l), report(err);
    if (parts.empty()) {
      trees.emplace_back(std::move(root), l);
      continue;
    }
    unique_fd sub;
    bool opaque = false;
    SubdirState state = find_subdir(root.get(), parts, sub, opaque, err);
    if (!err.ok()) return err.wrap("layer " + l), report(err);
    if (state == SubdirState::Absent) continue;
    if (state == SubdirState::Hidden || opaque) trees.clear();
    if (state == SubdirState::Found) trees.emplace_back(std::move(sub), l + "/" + subdir);
  }
  VfsCopy copy(d.get(), shift);
  for (const auto& [fd, label] : trees)
    if (copy.layer(fd.get(), label, err) < 0) return report(err);
  if (copy.finish(err) < 0) return report(err);
  if (!parts.empty() && !trees.empty()) {
    // A volume seeded from an image directory takes that directory's owner, mode and times
    // (the top-most layer's), as docker's copy does.
    struct stat st;
    int top = trees.back().first.get();
    if (::fstat(top, &st) < 0) return err.sys("stat " + trees.back().second), report(err);
    if (chown_shifted(d.get(), -1, nullptr, st, shift, dest, err) < 0 ||
        copy_xattrs(top, d.get(), true, false, shift, dest, err) < 0)
      return report(err);
    if (::fchmod(d.get(), st.st_mode & 07777) < 0) return err.sys("chmod " + dest), report(err);
    const timespec times[2] = {st.st_atim, st.st_mtim};
    if (::futimens(d.get(), times) < 0) return err.sys("setting the times of " + dest), report(err);
  } else if (!shift.empty()) {
    // The container's "/" (the copy's root, made by the CLI as our root), or a volume with
    // nothing to seed, belongs to the image's root, which the shift moves (--userns=keep-id).
    struct stat st{};
    if (chown_shifted(d.get(), -1, nullptr, st, shift, dest, err) < 0) return report(err);
  }
  protocol::send(STDOUT_FILENO, protocol::unpacked(copy.entries(), {}));
  return 0;
}

// Pulls "--subdir PATH" (or "=PATH") out of argv.
bool take_subdir(std::vector<char*>& argv, std::string& subdir, Error& err) {
  for (size_t i = 1; i < argv.size(); i++) {
    std::string a = argv[i];
    if (a == "--") break;
    if (a == "--subdir" || a.rfind("--subdir=", 0) == 0) {
      size_t n = 1;
      if (a == "--subdir") {
        if (i + 1 >= argv.size()) return err.fail("option --subdir needs a value", EINVAL), false;
        subdir = argv[i + 1];
        n = 2;
      } else {
        subdir = a.substr(9);
      }
      if (subdir.empty() || subdir[0] != '/') return err.fail("--subdir wants an absolute path, got '" + subdir + "'", EINVAL), false;
      argv.erase(argv.begin() + static_cast<long>(i), argv.begin() + static_cast<long>(i + n));
      return true;
    }
  }
  return true;
}

}  // namespace
}  // namespace sandbox::unpack

int vfs_copy_main(int argc, char** argv) {
  using namespace sandbox;
  using namespace sandbox::unpack;
  Error err;
  IdShift shift;
  std::vector<char*> rest;
  std::string subdir;
  if (!take_shift_args(argc, argv, shift, rest, err) || !take_subdir(rest, subdir, err)) return report(err);
  ModeArgs args;
  if (!parse_mode_args(static_cast<int>(rest.size()), rest.data(), false, false, args, err)) return report(err);
  if (args.paths.size() < 2) {
    err.fail("usage: sandbox-monitor vfs-copy --uidmap MAP --gidmap MAP [--shift-uids S --shift-gids S] [--subdir PATH] DEST LAYER...", EINVAL);
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
  int status = run_in_userns(opts, [&] { return copy_here(dest, layers, subdir, shift); }, err);
  if (status < 0) return report(err);
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  err.fail("vfs-copy process was killed by signal " + std::to_string(WTERMSIG(status)), EINTR);
  return report(err);
}
