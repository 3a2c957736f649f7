#include "monitor/spawn.h"

#include <fcntl.h>
#include <linux/sched.h>
#include <sched.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdint>
#include <utility>
#include <vector>

#include "cgroup/cgroup.h"
#include "init/setup.h"
#include "monitor/pid_file.h"

namespace sandbox {
namespace {

// clone3 with no stack behaves like fork: the child continues on a copy of our stack. That is
// safe because the monitor is single-threaded (no lock can be held by a thread that isn't
// copied), which is also why the init may use malloc and std::string freely.
pid_t clone_into_namespaces(int ns_flags, int& pidfd) {
  clone_args args{};
  args.flags = static_cast<uint64_t>(ns_flags) | CLONE_PIDFD;
  args.pidfd = reinterpret_cast<uint64_t>(&pidfd);
  args.exit_signal = SIGCHLD;
  return static_cast<pid_t>(::syscall(SYS_clone3, &args, sizeof args));
}

// --pid/--ipc container:X. The init must start inside X's user namespace (only a member of the
// namespace that owns X's pid or ipc namespace may enter it), and the monitor must stay in the
// host's: a short-lived helper joins them and clones the init with CLONE_PARENT, so the init is
// still our child (we reap it, we get its SIGCHLD) and the helper exits at once. Returns the
// init's pid here, 0 in the init (on the helper's copied stack, like clone_into_namespaces).
pid_t clone_in_joined_namespaces(const RuntimeConfig& config, int& pidfd, Error& err) {
  // Opened here, in the host's view, so a container that is gone is one clear line.
  std::vector<std::pair<int, unique_fd>> fds;
  for (int pass = 0; pass < 2; pass++)  // the user namespace first: it grants the others
    for (const auto& [flag, path] : config.joins) {
      if ((flag == CLONE_NEWUSER) != (pass == 0)) continue;
      unique_fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
      if (!fd) return err.sys("open " + path + " (is the other container running?)");
      fds.emplace_back(flag, std::move(fd));
    }
  int report[2];
  if (::pipe2(report, O_CLOEXEC) < 0) return err.sys("pipe for the namespace joiner");
  unique_fd report_read(report[0]), report_write(report[1]);
  pid_t helper = ::fork();
  if (helper < 0) return err.sys("fork the namespace joiner");
  if (helper == 0) {
    report_read.reset();
    long result = 0;
    for (const auto& [flag, fd] : fds)
      if (::setns(fd.get(), flag) < 0) {
        result = -errno;
        break;
      }
    if (result == 0) {
      clone_args args{};
      args.flags = static_cast<uint64_t>(config.clone_flags) | CLONE_PARENT;
      args.exit_signal = 0;  // with CLONE_PARENT the kernel takes the helper's (SIGCHLD)
      pid_t pid = static_cast<pid_t>(::syscall(SYS_clone3, &args, sizeof args));
      if (pid == 0) return 0;  // the init: on to init_main
      result = pid < 0 ? -errno : pid;
    }
    (void)!::write(report_write.get(), &result, sizeof result);
    ::_exit(0);
  }
  report_write.reset();
  long result = 0;
  ssize_t n;
  while ((n = ::read(report_read.get(), &result, sizeof result)) < 0 && errno == EINTR) {
  }
  int status = 0;
  while (::waitpid(helper, &status, 0) < 0 && errno == EINTR) {
  }
  if (n != static_cast<ssize_t>(sizeof result)) return err.fail("the namespace joiner died", EPROTO);
  if (result < 0) return err.sys("join the other container's namespaces", static_cast<int>(-result));
  const pid_t pid = static_cast<pid_t>(result);
  // Our child (CLONE_PARENT) and not yet reaped: the pid can't be anyone else's.
  pidfd = static_cast<int>(::syscall(SYS_pidfd_open, pid, 0));
  if (pidfd < 0) {
    err.sys("pidfd_open the container init");
    ::kill(pid, SIGKILL);
    while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    return -1;
  }
  return pid;
}

}  // namespace

int spawn_init(const RuntimeConfig& config, InitProcess& out, Error& err, const int* child_stdio) {
  int pair[2];
  // SOCK_CLOEXEC on both ends: the init's end closes by itself when execve succeeds, which is
  // how the monitor learns the command started (EOF with no message before it).
  if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, pair) < 0)
    return err.sys("socketpair for the init");
  unique_fd monitor_end(pair[0]), init_end(pair[1]);
  // fuse-overlay: the init mounts /dev/fuse and sends the fd over this pair to the server we
  // fork below (docs/storage.md). Both exist before the init is released.
  unique_fd fuse_server_end, fuse_init_end;
  if (config.rootfs.fuse()) {
    int fp[2];
    if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fp) < 0)
      return err.sys("socketpair for the fuse-overlay server");
    fuse_server_end.reset(fp[0]);
    fuse_init_end.reset(fp[1]);
  }

  int pidfd = -1;
  pid_t pid;
  if (!config.joins.empty()) {
    pid = clone_in_joined_namespaces(config, pidfd, err);
    if (pid < 0) return -1;
  } else {
    pid = clone_into_namespaces(config.clone_flags, pidfd);
  }
  if (pid < 0) {
    err.sys("clone the container init");
    if (err.errnum == ENOSPC || err.errnum == EPERM || err.errnum == EUSERS)
      err.message += " (are unprivileged user namespaces enabled? see `sandbox info`)";
    return -1;
  }
  if (pid == 0) {
    monitor_end.reset();
    fuse_server_end.reset();
    // The container's stdio (run -d: the log pipes) is set here, in the child only, so the
    // monitor keeps its own. dup2 clears close-on-exec on the copy; the originals close at exec.
    for (int i = 0; child_stdio && i < 3; i++)
      if (child_stdio[i] >= 0 && ::dup2(child_stdio[i], i) < 0) ::_exit(1);
    init_main(config, init_end.get(), fuse_init_end ? fuse_init_end.get() : -1);  // never returns
  }
  out.pid = pid;
  out.pidfd.reset(pidfd);
  out.sync = std::move(monitor_end);
  fuse_init_end.reset();  // only the init may hold it: its death is the server's EOF
  if (config.rootfs.fuse() &&
      fuse::spawn_server(config, out.pidfd.get(), std::move(fuse_server_end), out.fuse_server, err) < 0) {
    abandon_init(out);
    return -1;
  }
  return 0;
}

int prepare_init(const RuntimeConfig& config, const InitProcess& init, const char*& step,
                 Error& err) {
  // The maps must be written from outside the namespace (by us, or by newuidmap/newgidmap on
  // our behalf), and before the init does anything that creates files or checks ids.
  step = "idmap";
  // A joined user namespace (--pid/--ipc container:X) has its maps already.
  if (!(config.joined_flags & CLONE_NEWUSER) &&
      write_id_maps(init.pid, config.uid_mappings, config.gid_mappings, err) < 0)
    return err.wrap("write id maps for the container");
  // Cgroup placement and every limit, before release: the init's unshare(CLONE_NEWCGROUP)
  // then roots its cgroup namespace at the container's own cgroup, and the user's command
  // never runs a single instruction without its limits.
  if (!config.cgroup.manager.empty()) {
    step = "cgroup";
    std::string leaf;
    if (place_in_cgroup(config.cgroup, init.pid, leaf, err) < 0 ||
        record_cgroup(config.state_dir, leaf, false, err) < 0)
      return err.wrap("place the container in its cgroup");
  }
  step = "pid-file";
  // Before release: once the init runs, other CLI processes may look for it.
  return write_pid_file(config.pid_file, init.pid, err);
}

int release_init(const InitProcess& init, Error& err) {
  const char go = 'g';
  for (;;) {
    if (::write(init.sync.get(), &go, 1) == 1) return 0;
    if (errno != EINTR) return err.sys("release the container init");
  }
}

void abandon_init(InitProcess& init) {
  ::syscall(SYS_pidfd_send_signal, init.pidfd.get(), SIGKILL, nullptr, 0);
  int status = 0;
  while (::waitpid(init.pid, &status, 0) < 0 && errno == EINTR) {
  }
  fuse::reap_server(init.fuse_server);
}

}  // namespace sandbox
