#include "unpack/shift_copy.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <map>
#include <string>
#include <vector>

#include "sandbox/protocol.h"
#include "sandbox/unique_fd.h"
#include "unpack/copy_support.h"
#include "unpack/mode_args.h"
#include "unpack/userns_child.h"

namespace sandbox::unpack {
namespace {

// One layer, copied entry for entry: the same traversal as vfs-copy (one directory pair open
// at a time, re-resolved from the roots with openat2, no recursion), but nothing is merged
// and nothing of the layer's form is dropped.
class ShiftCopy {
 public:
  ShiftCopy(int src, int dest, const IdShift& shift) : src_(src), dest_(dest), shift_(shift) {}
  int run(Error& err);
  long entries() const { return entries_; }

 private:
  int entry(int sdir, int ddir, const std::string& rel, const std::string& name, Error& err);
  int attrs(int sfd, int dfd, int ddir, const std::string& name, const struct stat& st, const std::string& where, Error& err);

  int src_, dest_;
  const IdShift& shift_;
  std::vector<std::string> pending_;
  HardlinkSet links_;
  std::vector<std::pair<std::string, std::array<timespec, 2>>> dir_times_;
  long entries_ = 0;
};

// Owner (shifted), then xattrs (shifted ids inside), then mode (chown cleared setuid), then
// times. sfd/dfd are open for regular files and directories; -1 for the others, which are set
// by name in ddir (symlinks have no mode and carry no user.* xattrs).
int ShiftCopy::attrs(int sfd, int dfd, int ddir, const std::string& name, const struct stat& st, const std::string& where, Error& err) {
  if (chown_shifted(dfd, ddir, name.c_str(), st, shift_, where, err) < 0) return -1;
  if (dfd >= 0) {
    if (copy_xattrs(sfd, dfd, false, true, shift_, where, err) < 0) return -1;
    if (::fchmod(dfd, st.st_mode & 07777) < 0) return err.sys("chmod " + where);
    if (S_ISDIR(st.st_mode)) return 0;  // times after its entries are made
    const timespec times[2] = {st.st_atim, st.st_mtim};
    if (::futimens(dfd, times) < 0) return err.sys("setting the times of " + where);
    return 0;
  }
  if (!S_ISLNK(st.st_mode) && ::fchmodat(ddir, name.c_str(), st.st_mode & 07777, 0) < 0) return err.sys("chmod " + where);
  const timespec times[2] = {st.st_atim, st.st_mtim};
  if (::utimensat(ddir, name.c_str(), times, AT_SYMLINK_NOFOLLOW) < 0) return err.sys("setting the times of " + where);
  return 0;
}

int ShiftCopy::entry(int sdir, int ddir, const std::string& rel, const std::string& name, Error& err) {
  std::string child = "/";
  child += join_rel(rel, name);
  struct stat st;
  if (::fstatat(sdir, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) < 0) return err.sys("stat " + child);
  entries_++;
  if (S_ISDIR(st.st_mode)) {
    if (::mkdirat(ddir, name.c_str(), 0700) < 0) return err.sys("creating " + child);
    unique_fd s(::openat(sdir, name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
    if (!s) return err.sys("opening " + child + " in the layer");
    unique_fd d(::openat(ddir, name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
    if (!d) return err.sys("opening the copy's " + child);
    if (attrs(s.get(), d.get(), ddir, name, st, child, err) < 0) return -1;
    dir_times_.push_back({child.substr(1), {st.st_atim, st.st_mtim}});
    pending_.push_back(child.substr(1));
    return 0;
  }
  bool linked = false;
  if (links_.link_or_remember(st, dest_, ddir, name, child.substr(1), child, linked, err) < 0) return -1;
  if (linked) return 0;
  if (S_ISREG(st.st_mode)) {
    unique_fd in(::openat(sdir, name.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC));
    if (!in) return err.sys("opening " + child + " in the layer");
    unique_fd out(::openat(ddir, name.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600));
    if (!out) return err.sys("creating " + child);
    if (copy_data(in.get(), out.get(), st.st_size, child, err) < 0) return -1;
    return attrs(in.get(), out.get(), ddir, name, st, child, err);
  }
  if (S_ISLNK(st.st_mode)) {
    std::vector<char> target(static_cast<size_t>(st.st_size) + 2);
    ssize_t n = ::readlinkat(sdir, name.c_str(), target.data(), target.size());
    if (n < 0) return err.sys("reading the symlink " + child);
    if (static_cast<size_t>(n) >= target.size()) return err.fail("the symlink " + child + " changed while being copied", EAGAIN);
    target[static_cast<size_t>(n)] = '\0';
    if (::symlinkat(target.data(), ddir, name.c_str()) < 0) return err.sys("creating the symlink " + child);
    return attrs(-1, -1, ddir, name, st, child, err);
  }
  // Whiteouts (0:0, which an unprivileged user may make since Linux 5.8), FIFOs and sockets.
  // Other device nodes never reach a layer: the unpacker leaves them out.
  if (S_ISCHR(st.st_mode) && !is_whiteout(st)) return err.fail(child + " is a device node, which no layer holds", EINVAL);
  if (S_ISBLK(st.st_mode)) return err.fail(child + " is a device node, which no layer holds", EINVAL);
  if (::mknodat(ddir, name.c_str(), st.st_mode & (S_IFMT | 0600), st.st_rdev) < 0) return err.sys("creating " + child);
  return attrs(-1, -1, ddir, name, st, child, err);
}

int ShiftCopy::run(Error& err) {
  // The layer's root is the copy's root: its owner, xattrs (an opaque root too) and mode.
  struct stat st;
  if (::fstat(src_, &st) < 0) return err.sys("stat the layer's root");
  if (attrs(src_, dest_, -1, "", st, "/", err) < 0) return -1;
  dir_times_.push_back({"", {st.st_atim, st.st_mtim}});
  pending_.assign(1, "");
  while (!pending_.empty()) {
    std::string rel = std::move(pending_.back());
    pending_.pop_back();
    unique_fd sdir(open_beneath(src_, rel, O_RDONLY | O_DIRECTORY));
    if (!sdir) return err.sys("opening the layer's /" + rel);
    unique_fd ddir(open_beneath(dest_, rel, O_RDONLY | O_DIRECTORY));
    if (!ddir) return err.sys("opening the copy's /" + rel);
    std::vector<std::string> names;
    if (list_dir(sdir.get(), names, "/" + rel, err) < 0) return -1;
    for (const auto& name : names)
      if (entry(sdir.get(), ddir.get(), rel, name, err) < 0) return -1;
  }
  // Directory times last, deepest first (setting a child's times doesn't touch its parent's,
  // but creating entries did).
  for (auto it = dir_times_.rbegin(); it != dir_times_.rend(); ++it) {
    unique_fd d(open_beneath(dest_, it->first, O_RDONLY | O_DIRECTORY));
    if (!d) return err.sys("opening the copy's /" + it->first);
    if (::futimens(d.get(), it->second.data()) < 0) return err.sys("setting the times of /" + it->first);
  }
  return 0;
}

int report(const Error& err) {
  protocol::send(STDOUT_FILENO, protocol::error("shift-copy", err.errnum, err.message));
  return 1;
}

// Runs inside the user namespace, as its root.
int copy_here(const std::string& dest, const std::string& src, const IdShift& shift) {
  ::umask(0);
  Error err;
  // The paths come from the CLI's store: following symlinks up to them is intended.
  unique_fd s(::open(src.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!s) return err.sys("opening layer " + src), report(err);
  if (::mkdir(dest.c_str(), 0700) < 0) return err.sys("creating " + dest), report(err);
  unique_fd d(::open(dest.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
  if (!d) return err.sys("opening " + dest), report(err);
  ShiftCopy copy(s.get(), d.get(), shift);
  if (copy.run(err) < 0) return err.wrap("shifting layer " + src), report(err);
  protocol::send(STDOUT_FILENO, protocol::unpacked(copy.entries(), {}));
  return 0;
}

}  // namespace
}  // namespace sandbox::unpack

int shift_copy_main(int argc, char** argv) {
  using namespace sandbox;
  using namespace sandbox::unpack;
  Error err;
  IdShift shift;
  std::vector<char*> rest;
  if (!take_shift_args(argc, argv, shift, rest, err)) return report(err);
  ModeArgs args;
  if (!parse_mode_args(static_cast<int>(rest.size()), rest.data(), false, false, args, err)) return report(err);
  if (args.paths.size() != 2 || shift.empty()) {
    err.fail("usage: sandbox-monitor shift-copy --uidmap MAP --gidmap MAP --shift-uids S --shift-gids S DEST SRC", EINVAL);
    return report(err);
  }
  for (const auto& p : args.paths)
    if (p.empty() || p[0] != '/') {
      err.fail("shift-copy wants absolute paths, got '" + p + "'", EINVAL);
      return report(err);
    }
  UsernsOptions opts{args.uids, args.gids, 0};
  int status = run_in_userns(opts, [&] { return copy_here(args.paths[0], args.paths[1], shift); }, err);
  if (status < 0) return report(err);
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  err.fail("shift-copy process was killed by signal " + std::to_string(WTERMSIG(status)), EINTR);
  return report(err);
}
