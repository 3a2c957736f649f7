#include "init/mounts.h"

#include <fcntl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include "init/resolve_in_root.h"
#include "sandbox/unique_fd.h"

namespace sandbox {
namespace {

// Flags a bind remount can change per mount point (the rest belong to the superblock).
constexpr unsigned long kPerMountFlags = MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC |
                                         MS_NOATIME | MS_NODIRATIME | MS_RELATIME | MS_STRICTATIME;

std::string describe(const MountSpec& m) {
  return (m.is_bind() ? "bind " : m.type + " ") + m.source + " on " + m.destination;
}

// Whether the mount point must be a directory: binds follow their source, filesystems are dirs.
int target_is_directory(const MountSpec& m, bool& is_dir, Error& err) {
  is_dir = true;
  if (!m.is_bind()) return 0;
  struct stat st{};
  if (::stat(m.source.c_str(), &st) < 0) return err.sys("bind source " + m.source);
  is_dir = S_ISDIR(st.st_mode);
  return 0;
}

// The kernel refuses sysfs in a user namespace that doesn't own its network namespace (or when
// the host's /sys is partly hidden); docker's rootless answer is the host's /sys, read-only.
int mount_sysfs_fallback(const MountSpec& m, int root_fd, const std::string& target, Error& err) {
  if (::mount("/sys", target.c_str(), nullptr, MS_BIND | MS_REC, nullptr) < 0)
    return err.sys("bind host /sys on " + m.destination + " (sysfs was refused)");
  // The mount point fd still names the directory *under* the new mount; reopen to get the mount.
  unique_fd fd = open_in_root(root_fd, m.destination, O_PATH | O_DIRECTORY, err);
  if (!fd) return -1;
  // Submounts of the host's /sys (cgroup, debugfs, ...) must be read-only too: prefer the
  // recursive mount_setattr; without it only the top is read-only, as with a plain remount.
  mount_attr attr{};
  attr.attr_set = MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC;
  if (::mount_setattr(fd.get(), "", AT_EMPTY_PATH | AT_RECURSIVE, &attr, sizeof attr) == 0)
    return 0;
  return remount_bind(fd_path(fd.get()), m.options.flags | MS_RDONLY, m.options.atime_given, err);
}

int mount_one(const MountSpec& m, int root_fd, Error& err) {
  bool is_dir = true;
  if (target_is_directory(m, is_dir, err) < 0) return -1;
  unique_fd target_fd = create_in_root(root_fd, m.destination, is_dir, err);
  if (!target_fd) return err.wrap("mount " + describe(m));
  // An image's `/data -> /` resolves (inside the root, correctly) to the rootfs itself: a mount
  // there would swap the container's whole root for the source. Refuse it.
  struct stat target_st{}, root_st{};
  if (::fstat(target_fd.get(), &target_st) == 0 && ::fstat(root_fd, &root_st) == 0 &&
      target_st.st_dev == root_st.st_dev && target_st.st_ino == root_st.st_ino)
    return err.fail("mount " + describe(m) + ": the target resolves to the container's root " +
                    "(is it a symlink to / in the image?)", EINVAL);
  const std::string target = fd_path(target_fd.get());

  if (m.is_bind()) {
    // A bind takes only MS_BIND(|MS_REC); its other flags need a second, remount call.
    unsigned long flags = MS_BIND | (m.options.recursive ? MS_REC : 0);
    if (::mount(m.source.c_str(), target.c_str(), nullptr, flags, nullptr) < 0)
      return err.sys("mount " + describe(m));
    if (m.options.flags & kPerMountFlags) {
      unique_fd mounted = open_in_root(root_fd, m.destination, O_PATH, err);
      if (!mounted) return -1;
      if (remount_bind(fd_path(mounted.get()), m.options.flags, m.options.atime_given, err) < 0)
        return err.wrap("mount " + describe(m));
    }
  } else if (::mount(m.source.c_str(), target.c_str(), m.type.c_str(), m.options.flags,
                     m.options.data.empty() ? nullptr : m.options.data.c_str()) < 0) {
    if (m.type == "sysfs" && (errno == EPERM || errno == EACCES))
      return mount_sysfs_fallback(m, root_fd, target, err);
    return err.sys("mount " + describe(m) +
                   (m.options.data.empty() ? "" : " (" + m.options.data + ")"));
  }

  if (m.options.propagation) {
    unique_fd mounted = open_in_root(root_fd, m.destination, O_PATH, err);
    if (!mounted) return -1;
    if (::mount(nullptr, fd_path(mounted.get()).c_str(), nullptr, m.options.propagation, nullptr) < 0)
      return err.sys("set propagation of " + m.destination);
  }
  return 0;
}

struct DevLink {
  const char* name;
  const char* target;
};
constexpr DevLink kDevLinks[] = {
    {"fd", "/proc/self/fd"},         {"stdin", "/proc/self/fd/0"},
    {"stdout", "/proc/self/fd/1"},   {"stderr", "/proc/self/fd/2"},
    {"ptmx", "pts/ptmx"},            {"core", "/proc/kcore"},
};

}  // namespace

int remount_bind(const std::string& path, unsigned long flags, bool atime_given, Error& err) {
  struct statvfs sv{};
  if (::statvfs(path.c_str(), &sv) < 0) return err.sys("statvfs " + path);
  unsigned long keep = 0;
  if (sv.f_flag & ST_RDONLY) keep |= MS_RDONLY;
  if (sv.f_flag & ST_NOSUID) keep |= MS_NOSUID;
  if (sv.f_flag & ST_NODEV) keep |= MS_NODEV;
  if (sv.f_flag & ST_NOEXEC) keep |= MS_NOEXEC;
  // An explicit atime word replaces the current atime mode; otherwise keep it (it may be locked).
  if (!atime_given) {
    if (sv.f_flag & ST_NOATIME) keep |= MS_NOATIME;
    if (sv.f_flag & ST_NODIRATIME) keep |= MS_NODIRATIME;
    if (sv.f_flag & ST_RELATIME) keep |= MS_RELATIME;
  }
  unsigned long all = MS_REMOUNT | MS_BIND | keep | (flags & kPerMountFlags);
  if (::mount(nullptr, path.c_str(), nullptr, all, nullptr) < 0) return err.sys("remount");
  return 0;
}

int mount_config_mounts(const std::vector<MountSpec>& mounts, int root_fd, Error& err) {
  for (const auto& m : mounts)
    if (mount_one(m, root_fd, err) < 0) return -1;
  return 0;
}

int create_dev_symlinks(int root_fd, Error& err) {
  unique_fd dev = open_in_root(root_fd, "/dev", O_PATH | O_DIRECTORY, err);
  if (!dev) return -1;
  for (const auto& l : kDevLinks) {
    // An existing entry (say a bound /dev/ptmx from the config) is what the user asked for.
    if (::symlinkat(l.target, dev.get(), l.name) < 0 && errno != EEXIST)
      return err.sys(std::string("symlink /dev/") + l.name + " -> " + l.target);
  }
  return 0;
}

int mask_paths(const std::vector<std::string>& paths, int root_fd, Error& err) {
  for (const auto& p : paths) {
    Error probe;
    unique_fd fd = open_in_root(root_fd, p, O_PATH, probe);
    if (!fd && probe.errnum == ENOENT) continue;  // nothing there to hide
    if (!fd) return err.fail("mask " + p + ": " + probe.message, probe.errnum);
    struct stat st{};
    if (::fstat(fd.get(), &st) < 0) return err.sys("mask " + p + ": stat");
    const std::string target = fd_path(fd.get());
    int rc = S_ISDIR(st.st_mode)
                 ? ::mount("tmpfs", target.c_str(), "tmpfs",
                           MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC, "mode=0755")
                 : ::mount("/dev/null", target.c_str(), nullptr, MS_BIND, nullptr);
    if (rc < 0) return err.sys("mask " + p);
  }
  return 0;
}

int make_paths_readonly(const std::vector<std::string>& paths, int root_fd, Error& err) {
  for (const auto& p : paths) {
    Error probe;
    unique_fd fd = open_in_root(root_fd, p, O_PATH, probe);
    if (!fd && probe.errnum == ENOENT) continue;
    if (!fd) return err.fail("read-only " + p + ": " + probe.message, probe.errnum);
    const std::string target = fd_path(fd.get());
    // A bind onto itself makes the path its own mount, which can then be read-only alone.
    if (::mount(target.c_str(), target.c_str(), nullptr, MS_BIND | MS_REC, nullptr) < 0)
      return err.sys("read-only " + p + ": bind onto itself");
    unique_fd mounted = open_in_root(root_fd, p, O_PATH, err);
    if (!mounted) return -1;
    if (remount_bind(fd_path(mounted.get()), MS_RDONLY, false, err) < 0)
      return err.wrap("read-only " + p);
  }
  return 0;
}

}  // namespace sandbox
