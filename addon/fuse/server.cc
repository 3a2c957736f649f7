// Running the overlay: a libfuse session on an fd the container's init opened and mounted, and
// the monitor-side child that receives that fd and serves it from inside the container's user
// namespace (so the files it creates get the container's subordinate owners).
#include "fuse/server.h"

#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdarg>
#include <cstdio>
#include <cstring>

#include "fuse/ops.h"
#include "sandbox/fd_passing.h"

namespace sandbox::fuse {
namespace {

// libfuse reports to stderr, which is the user's terminal; only its errors are worth a line.
void quiet_log(enum fuse_log_level level, const char* fmt, va_list ap) {
  if (level > FUSE_LOG_ERR) return;
  std::fputs("sandbox: fuse-overlay: ", stderr);
  std::vfprintf(stderr, fmt, ap);
}

// -1 when the init died before mounting: nothing to serve.
int receive_fd(int sock) {
  unique_fd fd;
  Error err;
  return fdpass::receive(sock, 'f', fd, "the fuse connection", err) == 1 ? fd.release() : -1;
}

// The connection's reads and writes, through libfuse's custom-io hooks so that one request
// libfuse 3.14 doesn't know can be served: FUSE_TMPFILE (Linux 6.1, O_TMPFILE). Its request
// is a FUSE_CREATE's (fuse_create_in, then the name, which the VFS gives as "/") and its reply
// is a CREATE's (entry, then open), so we hand it to libfuse as a CREATE and op_create knows
// it by that name, which no real create can carry. No splice_receive: libfuse then reads every
// request with one read(2) (a spliced small request costs a splice and a read), and we see
// every header. Replies still go out by splice (splice_send).
struct InHeader {  // struct fuse_in_header, the kernel ABI: opcode is the second word
  uint32_t len;
  uint32_t opcode;
};
constexpr uint32_t kOpCreate = 35;   // FUSE_CREATE
constexpr uint32_t kOpTmpfile = 51;  // FUSE_TMPFILE

ssize_t io_read(int fd, void* buf, size_t len, void*) {
  ssize_t n = ::read(fd, buf, len);
  if (n >= static_cast<ssize_t>(sizeof(InHeader))) {
    auto* h = static_cast<InHeader*>(buf);
    if (h->opcode == kOpTmpfile) h->opcode = kOpCreate;
  }
  return n;
}

ssize_t io_writev(int fd, struct iovec* iov, int count, void*) { return ::writev(fd, iov, count); }

ssize_t io_splice_send(int fdin, off_t* offin, int fdout, off_t* offout, size_t len, unsigned int flags, void*) {
  return ::splice(fdin, offin, fdout, offout, len, flags);
}

}  // namespace

int serve(const OverlayConfig& cfg, int fuse_fd, int threads, std::string& problem) {
  // The kernel has already applied the container process's umask to every mode it sends; ours
  // (the monitor's) must not take more bits away (umask 0 then touch gives 0666, as anywhere).
  ::umask(0);
  Overlay overlay;
  if (overlay.init(cfg, problem) < 0) return -1;
  fuse_set_log_func(quiet_log);
  fuse_lowlevel_ops ops = overlay_ops();
  const char* argv[] = {"sandbox-fuse-overlay", nullptr};
  fuse_args args = FUSE_ARGS_INIT(1, const_cast<char**>(argv));
  fuse_session* se = fuse_session_new(&args, &ops, sizeof ops, &overlay);
  if (!se) {
    problem = "fuse_session_new failed";
    return -1;
  }
  // The connection is already mounted (by the init); libfuse reads and writes it through our
  // hooks. The session closes the fd when it is destroyed.
  fuse_custom_io io{};
  io.read = io_read;
  io.writev = io_writev;
  io.splice_send = io_splice_send;
  if (fuse_session_custom_io(se, &io, fuse_fd) != 0) {
    fuse_session_destroy(se);
    problem = "attach to the fuse connection";
    return -1;
  }
  fuse_loop_config* loop = fuse_loop_cfg_create();
  fuse_loop_cfg_set_max_threads(loop, static_cast<unsigned>(threads));
  // As many idle workers as workers: with fewer, libfuse starts and ends a thread per request
  // when requests come one at a time (a stat loop), which halves their rate.
  fuse_loop_cfg_set_idle_threads(loop, static_cast<unsigned>(threads));
  // Returns when the kernel ends the connection: the container's mount namespace is gone.
  fuse_session_loop_mt(se, loop);
  fuse_loop_cfg_destroy(loop);
  fuse_session_destroy(se);
  return 0;
}

OverlayConfig overlay_config(const RuntimeConfig& c) {
  OverlayConfig o;
  o.lowerdirs = c.rootfs.lowerdirs;
  o.upperdir = c.rootfs.upperdir;
  o.workdir = c.rootfs.workdir;
  if (!c.rootfs.storage_uid_mappings.empty()) {
    o.uids = {c.uid_mappings, c.rootfs.storage_uid_mappings};
    o.gids = {c.gid_mappings, c.rootfs.storage_gid_mappings};
  }
  return o;
}

int spawn_server(const RuntimeConfig& c, int init_pidfd, unique_fd channel, FuseServer& out, Error& err) {
  pid_t pid = ::fork();
  if (pid < 0) return err.sys("fork the fuse-overlay server");
  if (pid > 0) {
    out.pid = pid;
    return 0;
  }
  // The child. The monitor blocks signals for its signalfd; we keep them blocked (a stray ^C
  // must not tear the rootfs away under the container) and die with the monitor.
  ::prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
  ::prctl(PR_SET_NAME, "sbx-fuse", 0, 0, 0);
  // libfuse3, while we still are who the monitor is (the library is the host's).
  Error load_err;
  if (load_fuse(load_err) < 0) {
    std::fprintf(stderr, "sandbox: fuse-overlay: %s\n", load_err.message.c_str());
    ::_exit(1);
  }
  // Into the container's user namespace: as its root we may chown to its subordinate ids, and
  // the ids in FUSE requests (which the kernel gives in that namespace) are ours unchanged. We
  // keep the monitor's mount namespace: layer and upper paths are host paths.
  if (::setns(init_pidfd, CLONE_NEWUSER) < 0) {
    std::fprintf(stderr, "sandbox: fuse-overlay: join the container's user namespace: %s\n", std::strerror(errno));
    ::_exit(1);
  }
  // Nothing of the monitor's (its sync socket, log pipes, signalfd) may stay open here: the
  // init must see EOF when the monitor goes, and the relay when the container's pipes close.
  const unsigned ch = static_cast<unsigned>(channel.get());
  if (ch > 3) ::close_range(3, ch - 1, 0);
  ::close_range(ch + 1, ~0U, 0);
  int fd = receive_fd(channel.get());
  channel.reset();
  if (fd < 0) ::_exit(0);
  std::string problem;
  // Several workers: one slow copy-up must not stall every stat in the container.
  if (serve(overlay_config(c), fd, 4, problem) < 0) {
    std::fprintf(stderr, "sandbox: fuse-overlay: %s\n", problem.c_str());
    ::_exit(1);
  }
  ::_exit(0);
}

void reap_server(FuseServer& s) {
  if (s.pid <= 0) return;
  // The connection ended with the container's mount namespace, so the server is leaving on
  // its own; a bounded wait, then certainty.
  for (int i = 0; i < 200; i++) {
    pid_t r = ::waitpid(s.pid, nullptr, WNOHANG);
    if (r == s.pid || (r < 0 && errno != EINTR)) {
      s.pid = -1;
      return;
    }
    ::usleep(10000);
  }
  ::kill(s.pid, SIGKILL);
  while (::waitpid(s.pid, nullptr, 0) < 0 && errno == EINTR) {
  }
  s.pid = -1;
}

int send_fd(int sock, int fd, Error& err) { return fdpass::send(sock, 'f', fd, "the fuse connection", err); }

}  // namespace sandbox::fuse
