#include "init/rootfs.h"

#include <fcntl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include <string>

#include "fuse/server.h"
#include "sandbox/unique_fd.h"

namespace sandbox {
namespace {

// The kernel copies mount(2)'s data into one page, NUL included.
constexpr size_t kMountDataMax = 4096 - 1;

// Overlay's own messages ("overlayfs: failed to resolve '...'") are queued on the fs context;
// they say much more than the errno, so they go into our one-line message.
std::string fs_context_log(int fs_fd) {
  std::string log;
  char buf[512];
  for (;;) {
    ssize_t n = ::read(fs_fd, buf, sizeof buf - 1);
    if (n <= 0) break;
    std::string line(buf, static_cast<size_t>(n));
    while (!line.empty() && line.back() == '\n') line.pop_back();
    // Lines are "e msg", "w msg" or "i msg" (error, warning, info).
    if (line.size() > 2 && line[1] == ' ') line = line.substr(2);
    for (char& c : line)
      if (c == '\n') c = ' ';
    log += (log.empty() ? "" : "; ") + line;
  }
  return log;
}

int fail_with_log(Error& err, const std::string& what, int fs_fd) {
  int e = errno;
  std::string log = fs_context_log(fs_fd);
  err.sys(what, e);
  if (!log.empty()) err.message += " (" + log + ")";
  return -1;
}

// 1 = mounted; 0 = this kernel can't do it this way (no new mount API, or no "lowerdir+"
// before Linux 6.8), use mount(2); -1 = a real failure.
int mount_with_fsconfig(const RootfsSpec& r, const std::string& target, Error& err) {
  unique_fd fs(::fsopen("overlay", FSOPEN_CLOEXEC));
  if (!fs) {
    if (errno == ENOSYS) return 0;
    return err.sys("fsopen overlay");
  }
  // One "lowerdir+" per layer: each path travels on its own, so no page-size limit on the
  // number of layers and no escaping of ':' or ','.
  for (size_t i = 0; i < r.lowerdirs.size(); i++) {
    if (::fsconfig(fs.get(), FSCONFIG_SET_STRING, "lowerdir+", r.lowerdirs[i].c_str(), 0) < 0) {
      if (i == 0 && errno == EINVAL) return 0;
      return fail_with_log(err, "overlay layer " + r.lowerdirs[i], fs.get());
    }
  }
  if (::fsconfig(fs.get(), FSCONFIG_SET_STRING, "upperdir", r.upperdir.c_str(), 0) < 0)
    return fail_with_log(err, "overlay upperdir " + r.upperdir, fs.get());
  if (::fsconfig(fs.get(), FSCONFIG_SET_STRING, "workdir", r.workdir.c_str(), 0) < 0)
    return fail_with_log(err, "overlay workdir " + r.workdir, fs.get());
  // userxattr: in a user namespace overlay may not use trusted.* xattrs; whiteouts and opaque
  // dirs live in user.overlay.* (which is also how the unpacker writes them).
  if (::fsconfig(fs.get(), FSCONFIG_SET_FLAG, "userxattr", nullptr, 0) < 0)
    return fail_with_log(err, "overlay option userxattr", fs.get());
  if (::fsconfig(fs.get(), FSCONFIG_CMD_CREATE, nullptr, nullptr, 0) < 0) {
    // Before Linux 6.5 overlay had no fs_context of its own: the generic adapter accepts any
    // key ("lowerdir+" too) and the kernel only rejects it here, with EINVAL (seen on
    // Debian 12's 6.1 in the cgroup test guest). mount(2) then mounts it, or names the real fault.
    if (errno == EINVAL) return 0;
    return fail_with_log(err, "create overlay for " + target, fs.get());
  }
  unique_fd mnt(::fsmount(fs.get(), FSMOUNT_CLOEXEC, 0));
  if (!mnt) return fail_with_log(err, "fsmount overlay", fs.get());
  if (::move_mount(mnt.get(), "", AT_FDCWD, target.c_str(), MOVE_MOUNT_F_EMPTY_PATH) < 0)
    return err.sys("attach overlay on " + target);
  return 1;
}

void append_escaped(std::string& out, const std::string& path) {
  for (char c : path) {
    if (c == ':' || c == ',' || c == '\\') out += '\\';
    out += c;
  }
}

// --userns=keep-id (docs/storage.md): the CLI made the /etc files we bind in, and "/" (upperdir)
// over id-shifted layers, as itself, which the keep-id map shows as your uid. The image's root
// owns them under every other map, so they are handed to our root here, where that id can be
// set. Only while they are still the CLI's: one the container gave to someone else stays theirs.
int give_to_root(const RootfsSpec& r, Error& err) {
  for (const auto& p : r.give_to_root) {
    unique_fd f(::open(p.c_str(), O_PATH | O_NOFOLLOW | O_CLOEXEC));
    if (!f) return err.sys("open " + p);
    struct stat st;
    if (::fstat(f.get(), &st) < 0) return err.sys("stat " + p);
    if (st.st_uid != static_cast<uid_t>(r.created_uid) || st.st_gid != static_cast<gid_t>(r.created_gid)) continue;
    if (::fchownat(f.get(), "", 0, 0, AT_EMPTY_PATH) < 0) return err.sys("give " + p + " to the container's root");
  }
  return 0;
}

}  // namespace

std::string overlay_mount_data(const RootfsSpec& r) {
  std::string data = "lowerdir=";
  for (size_t i = 0; i < r.lowerdirs.size(); i++) {
    if (i) data += ':';
    append_escaped(data, r.lowerdirs[i]);
  }
  data += ",upperdir=";
  append_escaped(data, r.upperdir);
  data += ",workdir=";
  append_escaped(data, r.workdir);
  data += ",userxattr";
  return data;
}

// The FUSE overlay (addon/fuse): we mount, the server serves. Mounting here, in the container's
// user and mount namespaces, is what lets an unprivileged user mount FUSE without fusermount3;
// the fd then travels to the server the monitor forked, which sits in our user namespace.
int mount_fuse_rootfs(const std::string& target, int channel, Error& err) {
  unique_fd dev(::open("/dev/fuse", O_RDWR | O_CLOEXEC));
  if (!dev)
    return err.sys("open /dev/fuse for the fuse-overlay rootfs (see `sandbox info` for the drivers that work here)");
  // allow_other: every user of the container, not only its root, must reach its own rootfs.
  // default_permissions: the kernel checks modes against the ids and capabilities the
  // container has, so the server (root in the namespace) needs no access checks of its own.
  std::string data = "fd=" + std::to_string(dev.get()) +
                     ",rootmode=40000,user_id=0,group_id=0,allow_other,default_permissions";
  if (::mount("sandbox-overlay", target.c_str(), "fuse.sandbox-overlay", 0, data.c_str()) < 0)
    return err.sys("mount the fuse overlay on " + target);
  if (fuse::send_fd(channel, dev.get(), err) < 0) {
    ::umount2(target.c_str(), MNT_DETACH);
    return -1;
  }
  return 0;
}

int mount_rootfs(const RootfsSpec& r, const std::string& target, int fuse_channel, Error& err) {
  if (give_to_root(r, err) < 0) return -1;
  // vfs: the copy is already whole; a bind mount makes it the mount point pivot_root wants,
  // and keeps the rest of the setup the same for every driver.
  if (r.vfs()) {
    if (::mount(r.upperdir.c_str(), target.c_str(), nullptr, MS_BIND, nullptr) < 0)
      return err.sys("bind-mount the vfs copy " + r.upperdir + " on " + target);
    return 0;
  }
  if (r.fuse()) {
    if (fuse_channel < 0) return err.fail("fuse-overlay rootfs without a server channel", EINVAL);
    int rc = mount_fuse_rootfs(target, fuse_channel, err);
    ::close(fuse_channel);  // one fd to send, then the server needs nothing more from us
    return rc;
  }
  int done = mount_with_fsconfig(r, target, err);
  if (done != 0) return done < 0 ? -1 : 0;

  std::string data = overlay_mount_data(r);
  if (data.size() > kMountDataMax)
    return err.fail(std::to_string(r.lowerdirs.size()) +
                        " layers make overlay options longer than one page, which mount(2) "
                        "can't take; Linux 6.8 or later mounts them one by one",
                    E2BIG);
  if (::mount("overlay", target.c_str(), "overlay", 0, data.c_str()) < 0)
    return err.sys("mount overlay on " + target + " (" + std::to_string(r.lowerdirs.size()) +
                   " layers, upperdir " + r.upperdir + ")");
  return 0;
}

}  // namespace sandbox
