#include "exec/exec_terminal.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <unistd.h>

#include "monitor/attach_input.h"
#include "monitor/signals.h"
#include "monitor/terminal.h"
#include "sandbox/protocol.h"

namespace sandbox {

int open_exec_terminal(ExecTerminal& t, Error& err) {
  t.master.reset(::open("/dev/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC));
  if (!t.master) return err.sys("open the container's /dev/ptmx");
  if (::unlockpt(t.master.get()) < 0) return err.sys("unlockpt");
  char name[64];
  if (::ptsname_r(t.master.get(), name, sizeof name) != 0) return err.sys("ptsname");
  t.slave.reset(::open(name, O_RDWR | O_NOCTTY | O_CLOEXEC));
  if (!t.slave) return err.sys(std::string("open ") + name);
  copy_window_size(t.master.get());
  return 0;
}

int become_terminal_owner(int slave, uid_t uid, Error& err) {
  if (::fchown(slave, uid, static_cast<gid_t>(-1)) < 0) return err.sys("chown the terminal");
  // A session of its own with this pty as its controlling terminal: ^C typed into it is
  // SIGINT for the command's process group, and job control works.
  if (::setsid() < 0) return err.sys("setsid");
  if (::ioctl(slave, TIOCSCTTY, 0) < 0) return err.sys("ioctl(TIOCSCTTY)");
  for (int fd = 0; fd < 3; fd++)
    if (::dup2(slave, fd) < 0) return err.sys("dup2 the terminal onto stdio");
  ::close(slave);
  return 0;
}

namespace {

// Everything the master holds to our stdout; false once nobody holds the slave (EIO).
bool drain_master(int master) {
  char buf[8192];
  for (;;) {
    ssize_t n = ::read(master, buf, sizeof buf);
    if (n > 0) {
      write_all(1, buf, static_cast<size_t>(n));  // a gone caller (EPIPE): keep draining
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    return n < 0 && errno == EAGAIN;
  }
}

// Write what the master takes; the rest stays in `pending` (we poll for POLLOUT), so a command
// that doesn't read its input can't block the relay of its output.
void flush_pending(int master, std::string& pending) {
  while (!pending.empty()) {
    ssize_t w = ::write(master, pending.data(), pending.size());
    if (w > 0) {
      pending.erase(0, static_cast<size_t>(w));
      continue;
    }
    if (w < 0 && errno == EINTR) continue;
    if (w < 0 && errno != EAGAIN) pending.clear();  // the command's side is gone
    return;
  }
}

void let_go_of_caller(int result_fd) {
  protocol::send(result_fd, protocol::detached());
  const int null = ::open("/dev/null", O_RDWR | O_CLOEXEC);
  if (null < 0) return;
  for (int fd = 0; fd < 3; fd++) ::dup3(null, fd, 0);
  ::close(null);
}

}  // namespace

int relay_exec_terminal(int master, pid_t child, int child_pidfd, int signal_fd, const std::string& detach_keys,
                        int result_fd) {
  ::fcntl(master, F_SETFL, ::fcntl(master, F_GETFL) | O_NONBLOCK);
  DetachKeys keys;
  keys.keys = detach_keys;
  bool input_open = true, master_open = true, detached = false;
  std::string pending;
  int status = 0;
  bool reaped = false;
  while (!reaped) {
    pollfd p[4] = {
        {signal_fd, POLLIN, 0},
        {child_pidfd, POLLIN, 0},
        {master_open ? master : -1, static_cast<short>(POLLIN | (pending.empty() ? 0 : POLLOUT)), 0},
        {input_open && pending.empty() ? 0 : -1, POLLIN, 0},
    };
    // Without a pidfd (old kernel) look for the child every 100 ms.
    if (::poll(p, 4, child_pidfd >= 0 ? -1 : 100) < 0 && errno != EINTR) {
      // Can't happen with valid fds; don't spin and don't leave the command unreaped.
      ::kill(child, SIGKILL);
      while (::waitpid(child, &status, 0) < 0 && errno == EINTR) {
      }
      return status;
    }
    if (p[0].revents & POLLIN) {
      signalfd_siginfo si{};
      while (::read(signal_fd, &si, sizeof si) == static_cast<ssize_t>(sizeof si)) {
        const int sig = static_cast<int>(si.ssi_signo);
        if (sig == SIGWINCH) {
          if (!detached) copy_window_size(master);  // the kernel tells the command's group
          continue;
        }
        if (signal_action(sig) == SignalAction::Ignore) continue;
        ::kill(child, signal_action(sig) == SignalAction::Forward ? sig : SIGKILL);
      }
    }
    if (master_open && (p[2].revents & POLLOUT)) flush_pending(master, pending);
    if (master_open && (p[2].revents & ~POLLOUT)) master_open = drain_master(master);
    if (p[3].revents) {
      char buf[4096];
      ssize_t n;
      while ((n = ::read(0, buf, sizeof buf)) < 0 && errno == EINTR) {
      }
      if (n > 0) {
        pending += keys.filter(buf, static_cast<size_t>(n), detached);
        flush_pending(master, pending);
        if (detached) {
          input_open = false;
          pending.clear();
          let_go_of_caller(result_fd);
        }
      } else if (!(n < 0 && errno == EAGAIN)) {
        input_open = false;  // EOF (no -i: /dev/null): the command keeps its terminal
      }
    }
    pid_t r = ::waitpid(child, &status, WNOHANG);
    if (r == child) reaped = true;
  }
  // Its last words: what is still in the pty once the command is gone (others may hold the
  // slave, so stop at EAGAIN rather than wait for EIO).
  if (master_open) drain_master(master);
  return status;
}

}  // namespace sandbox
