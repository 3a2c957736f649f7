#include "unpack/userns_child.h"

#include <fcntl.h>
#include <grp.h>
#include <sched.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstdio>

#include "sandbox/unique_fd.h"

namespace sandbox::unpack {
namespace {

bool write_int(int fd, int32_t v) {
  ssize_t n;
  do n = ::write(fd, &v, sizeof v);
  while (n < 0 && errno == EINTR);
  return n == static_cast<ssize_t>(sizeof v);
}

// Reads one int32 status; false when the other end closed first (the peer died or gave up).
bool read_int(int fd, int32_t& v) {
  ssize_t n;
  do n = ::read(fd, &v, sizeof v);
  while (n < 0 && errno == EINTR);
  return n == static_cast<ssize_t>(sizeof v);
}

int reap(pid_t pid) {
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0)
    if (errno != EINTR) return -1;
  return status;
}

// The child's side. Never returns.
[[noreturn]] void child_main(pid_t parent, int to_parent, int from_parent, int flags,
                             const std::function<int()>& fn) {
  // If the CLI kills us, the child must not outlive us with half a layer written.
  ::prctl(PR_SET_PDEATHSIG, SIGKILL);
  if (::getppid() != parent) ::_exit(1);

  int32_t e = ::unshare(CLONE_NEWUSER | flags) < 0 ? errno : 0;
  write_int(to_parent, e);
  if (e != 0) ::_exit(1);

  // Wait until the parent has written uid_map/gid_map; EOF means it failed to.
  char go = 0;
  ssize_t n;
  do n = ::read(from_parent, &go, 1);
  while (n < 0 && errno == EINTR);
  if (n != 1) ::_exit(1);

  // Become root of the namespace explicitly (our own id is usually mapped to 0 already, but
  // a map without it leaves us the overflow id). Supplementary groups from the host would
  // show up as nobody; drop them where setgroups is allowed (it is denied for self-only maps).
  e = 0;
  ::setgroups(0, nullptr);
  if (::setresgid(0, 0, 0) < 0 || ::setresuid(0, 0, 0) < 0) e = errno;
  write_int(to_parent, e);
  ::close(to_parent);
  ::close(from_parent);
  if (e != 0) ::_exit(1);

  int rc = fn();
  std::fflush(nullptr);
  ::_exit(rc);
}

}  // namespace

IdMap self_uid_map() { return {IdRange{0, ::getuid(), 1}}; }
IdMap self_gid_map() { return {IdRange{0, ::getgid(), 1}}; }

std::string userns_failure_hint(int e) {
  if (e == ENOSPC)
    return "the user namespace limit is reached (sysctl user.max_user_namespaces)";
  if (e == EPERM || e == EACCES)
    return "unprivileged user namespaces are disabled on this host (check sysctl "
           "kernel.unprivileged_userns_clone, user.max_user_namespaces and AppArmor's "
           "kernel.apparmor_restrict_unprivileged_userns)";
  if (e == EINVAL) return "the calling process cannot create a user namespace (threaded or chrooted)";
  return "cannot create a user namespace";
}

int run_in_userns(const UsernsOptions& opts, const std::function<int()>& fn, Error& err,
                  UsernsStage* stage) {
  UsernsStage dummy;
  UsernsStage& at = stage ? *stage : dummy;
  at = UsernsStage::None;

  int up[2], down[2];  // up: child -> parent statuses; down: parent -> child "maps written"
  if (::pipe2(up, O_CLOEXEC) < 0) {
    at = UsernsStage::Fork;
    return err.sys("pipe");
  }
  unique_fd up_r(up[0]), up_w(up[1]);
  if (::pipe2(down, O_CLOEXEC) < 0) {
    at = UsernsStage::Fork;
    return err.sys("pipe");
  }
  unique_fd down_r(down[0]), down_w(down[1]);

  const pid_t parent = ::getpid();
  std::fflush(nullptr);  // nothing buffered may be written twice
  pid_t pid = ::fork();
  if (pid < 0) {
    at = UsernsStage::Fork;
    return err.sys("fork");
  }
  if (pid == 0) {
    up_r.reset();
    down_w.reset();
    child_main(parent, up_w.get(), down_r.get(), opts.extra_flags, fn);
  }
  up_w.reset();
  down_r.reset();

  int32_t e = 0;
  if (!read_int(up_r.get(), e)) {
    reap(pid);
    at = UsernsStage::Unshare;
    return err.fail("the user-namespace child died before unsharing", ECHILD);
  }
  if (e != 0) {
    reap(pid);
    at = UsernsStage::Unshare;
    err.sys("unshare(CLONE_NEWUSER)", e);
    return err.wrap(userns_failure_hint(e));
  }
  if (write_id_maps(pid, opts.uids, opts.gids, err) < 0) {
    down_w.reset();  // EOF tells the child to give up
    reap(pid);
    at = UsernsStage::IdMap;
    return err.wrap("writing the user namespace id maps");
  }
  char go = 1;
  if (::write(down_w.get(), &go, 1) != 1) {
    reap(pid);
    at = UsernsStage::IdMap;
    return err.sys("releasing the user-namespace child");
  }
  down_w.reset();
  if (!read_int(up_r.get(), e) || e != 0) {
    reap(pid);
    at = UsernsStage::SetIds;
    return err.sys("becoming root of the user namespace (is id 0 mapped?)", e ? e : ECHILD);
  }
  int status = reap(pid);
  if (status < 0) {
    at = UsernsStage::Fork;
    return err.sys("waitpid");
  }
  return status;
}

}  // namespace sandbox::unpack
