// `sandbox-monitor exec --config PATH --pid PID --result-fd N [--user U[:G]] [--cwd DIR]
//                      [--env K=V]... [--privileged] [--tty [--detach-keys HEX]] -- CMD [ARG...]`
// Joins the namespaces of the container whose init is PID and runs CMD there with the same
// capabilities, no_new_privs and seccomp filter as the container (from its config). This is a
// fresh single-threaded process started for the purpose: setns into a user or mount namespace
// is refused to multithreaded callers, so never Node. We join, fork (a pid namespace applies to
// children only), and the parent stays to relay signals and report the exit status.
#include "exec/exec_main.h"

#include <fcntl.h>
#include <poll.h>
#include <sys/syscall.h>
#include <sched.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <string>
#include <vector>

#include "exec/exec_terminal.h"
#include "exec/exec_user.h"
#include "init/caps.h"
#include "init/config.h"
#include "init/exec.h"
#include "init/user.h"
#include "monitor/attach_input.h"
#include "monitor/signals.h"
#include "sandbox/protocol.h"
#include "sandbox/unique_fd.h"
#include "security/seccomp.h"

namespace sandbox {
namespace {

struct ExecArgs {
  std::string config_path;
  pid_t pid = -1;
  int result_fd = -1;
  std::string user;  // empty: the container's
  std::string cwd;   // empty: the container's
  std::vector<std::string> env;  // added to / overriding the container's
  bool privileged = false;
  bool tty = false;          // -t: a pty from the container's devpts (exec/exec_terminal.h)
  std::string detach_keys;   // -t: the bytes that detach the caller; empty: none
  std::vector<std::string> command;
};

bool parse_exec_args(int argc, char** argv, ExecArgs& out, std::string& problem) {
  int i = 1;
  for (; i < argc; i++) {
    std::string a = argv[i];
    if (a == "--") {
      i++;
      break;
    }
    auto value = [&]() -> std::string { return i + 1 < argc ? argv[++i] : std::string(); };
    if (a == "--config") out.config_path = value();
    else if (a == "--pid") out.pid = static_cast<pid_t>(std::atol(value().c_str()));
    else if (a == "--result-fd") out.result_fd = std::atoi(value().c_str());
    else if (a == "--user") out.user = value();
    else if (a == "--cwd") out.cwd = value();
    else if (a == "--env") out.env.push_back(value());
    else if (a == "--privileged") out.privileged = true;
    else if (a == "--tty") out.tty = true;
    else if (a == "--detach-keys") {
      if (!parse_detach_keys_hex(value(), out.detach_keys)) {
        problem = "--detach-keys wants pairs of hex digits";
        return false;
      }
    }
    else {
      problem = "unknown argument '" + a + "'";
      return false;
    }
  }
  for (; i < argc; i++) out.command.emplace_back(argv[i]);
  if (out.config_path.empty() || out.pid <= 0 || out.result_fd < 0 || out.command.empty()) {
    problem = "usage: sandbox-monitor exec --config PATH --pid PID --result-fd N [options] -- CMD [ARG...]";
    return false;
  }
  return true;
}

int read_text(const std::string& path, std::string& out, Error& err) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return err.sys("open " + path);
  out.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  return 0;
}

// `env` with `overrides` applied: same name replaced in place, new names appended (docker).
std::vector<std::string> merge_env(std::vector<std::string> env, const std::vector<std::string>& overrides) {
  for (const auto& o : overrides) {
    const std::string key = o.substr(0, o.find('='));
    bool replaced = false;
    for (auto& e : env)
      if (e.compare(0, key.size() + 1, key + "=") == 0) {
        e = o;
        replaced = true;
      }
    if (!replaced) env.push_back(o);
  }
  return env;
}

// The namespaces in the order we join them. The user namespace first: it is what gives us
// CAP_SYS_ADMIN over the others (they are owned by it). The mount namespace last: its /proc is
// the container's, so every /proc/PID/ns path is opened before any join.
constexpr struct {
  const char* name;
  int flag;
} kNamespaces[] = {
    {"user", CLONE_NEWUSER}, {"ipc", CLONE_NEWIPC}, {"uts", CLONE_NEWUTS},
    {"net", CLONE_NEWNET},   {"pid", CLONE_NEWPID}, {"mnt", CLONE_NEWNS},
};

int join_namespaces(pid_t pid, int clone_flags, Error& err) {
  unique_fd fds[std::size(kNamespaces)];
  for (size_t i = 0; i < std::size(kNamespaces); i++) {
    const int flag = kNamespaces[i].flag == CLONE_NEWNS ? CLONE_NEWNS : kNamespaces[i].flag;
    // Neither cloned nor joined (--pid container:X): shared with the host (--network host).
    if (flag != CLONE_NEWUSER && !(clone_flags & flag)) continue;
    const std::string path = "/proc/" + std::to_string(pid) + "/ns/" + kNamespaces[i].name;
    fds[i].reset(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
    if (!fds[i]) return err.sys("open " + path + " (is the container running?)");
  }
  // (issue 7: join the container's cgroup here, by writing our pid to its cgroup.procs,
  // before the user namespace hides the host's cgroupfs.)
  for (size_t i = 0; i < std::size(kNamespaces); i++) {
    if (!fds[i]) continue;
    if (::setns(fds[i].get(), kNamespaces[i].flag) < 0)
      return err.sys(std::string("join the container's ") + kNamespaces[i].name + " namespace");
  }
  return 0;
}

// The child, inside every namespace: the same order as the init's last steps (init/setup.cc).
[[noreturn]] void become_command(const RuntimeConfig& c, const ExecArgs& a, const SeccompProgram& filter,
                                 int report_fd, int tty_slave) {
  Error err;
  const char* step = "cwd";
  auto die = [&](int status) {
    protocol::send(report_fd, protocol::error(step, err.errnum, err.message));
    ::_exit(status);
  };
  ExecUser user{c.uid, c.gid, c.additional_gids};
  if (!a.user.empty() && resolve_exec_user(a.user, user, err) < 0) {
    step = "user";
    die(126);
  }
  const std::string cwd = a.cwd.empty() ? c.cwd : a.cwd;
  if (::chdir(cwd.c_str()) < 0) {
    err.sys("chdir to " + cwd);
    die(126);
  }
  if (tty_slave >= 0) {
    step = "terminal";
    // Before the user switch and capability drop: chowning the pty to the user needs CAP_CHOWN.
    if (become_terminal_owner(tty_slave, user.uid, err) < 0) die(126);
  }
  Capabilities caps = c.caps;
  if (a.privileged) {
    CapSet all = 0;
    for (int cap = 0; cap <= cap_last_known(); cap++) all |= CapSet(1) << cap;
    caps.bounding = caps.permitted = caps.effective = all;
  }
  const bool seccomp = c.seccomp.enabled && !a.privileged;
  if (seccomp && !c.no_new_privileges) {
    step = "seccomp";
    if (install_seccomp(filter, err) < 0) die(126);
  }
  step = "capabilities";
  if (drop_bounding_set(caps.bounding, err) < 0) die(126);
  step = "user";
  if (switch_user(user.uid, user.gid, user.groups, err) < 0) die(126);
  step = "capabilities";
  if (apply_capabilities(caps, err) < 0) die(126);
  if (c.no_new_privileges && ::prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0) {
    err.sys("prctl(PR_SET_NO_NEW_PRIVS)");
    die(126);
  }
  if (seccomp && c.no_new_privileges) {
    step = "seccomp";
    if (install_seccomp(filter, err) < 0) die(126);
  }
  const std::vector<std::string> env = merge_env(c.env, a.env);
  int e = exec_command(a.command, env);
  protocol::send(report_fd, protocol::exec_failed(e, a.command[0]));
  ::_exit(exec_failure_status(e));
}

}  // namespace

int exec_main(int argc, char** argv) {
  ExecArgs a;
  std::string problem;
  if (!parse_exec_args(argc, argv, a, problem)) {
    std::fprintf(stderr, "sandbox-monitor exec: %s\n", problem.c_str());
    return 2;
  }
  ::fcntl(a.result_fd, F_SETFD, FD_CLOEXEC);
  Error err;
  std::string text;
  RuntimeConfig config;
  if (read_text(a.config_path, text, err) < 0 || !parse_runtime_config(text, config, err)) {
    protocol::send(a.result_fd, protocol::error("config", err.errnum, err.message));
    return 125;
  }
  // The filter is compiled (or read from its cache) now, while the host's paths are ours: the
  // mount namespace we join next hides them.
  SeccompProgram filter;
  if (config.seccomp.enabled && !a.privileged && compile_seccomp(config.seccomp, filter, err) < 0) {
    protocol::send(a.result_fd, protocol::error("seccomp", err.errnum, err.message));
    return 125;
  }
  // Non-dumpable before joining: until our child execs the user's command, a process of the
  // container (root in its user namespace) must not ptrace us or open /proc/PID/exe, which is
  // this host binary (the CVE-2019-5736 pattern). execve of the command resets it.
  if (::prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) < 0) {
    err.sys("prctl(PR_SET_DUMPABLE)");
    protocol::send(a.result_fd, protocol::error("setns", err.errnum, err.message));
    return 125;
  }
  unique_fd signals = take_over_signals(err);
  if (!signals || join_namespaces(a.pid, config.clone_flags | config.joined_flags, err) < 0) {
    protocol::send(a.result_fd, protocol::error("setns", err.errnum, err.message));
    return 125;
  }
  // -t: the pty, now that we are in the container's mount namespace (its /dev/ptmx is its own
  // devpts instance), and before the fork so a failure is reported before anything runs.
  ExecTerminal terminal;
  if (a.tty && open_exec_terminal(terminal, err) < 0) {
    protocol::send(a.result_fd, protocol::error("terminal", err.errnum, err.message));
    return 125;
  }
  // The child reports a setup failure or exec failure on this pipe; a successful execve closes
  // it (close-on-exec), which is how we know the command started.
  int pipefd[2];
  if (::pipe2(pipefd, O_CLOEXEC) < 0) {
    err.sys("pipe");
    protocol::send(a.result_fd, protocol::error("exec", err.errnum, err.message));
    return 125;
  }
  pid_t child = ::fork();
  if (child < 0) {
    err.sys("fork into the container");
    protocol::send(a.result_fd, protocol::error("exec", err.errnum, err.message));
    return 125;
  }
  if (child == 0) {
    ::close(pipefd[0]);
    sigset_t all;
    sigfillset(&all);
    ::sigprocmask(SIG_UNBLOCK, &all, nullptr);
    // Die with the exec process (and so with `sandbox exec`'s monitor) rather than linger.
    ::prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
    terminal.master.reset();
    become_command(config, a, filter, pipefd[1], terminal.slave ? terminal.slave.get() : -1);
  }
  ::close(pipefd[1]);
  // Only the command may hold the slave: its exit (and its children's) is the master's EIO.
  terminal.slave.reset();
  std::string report;
  char buf[4096];
  for (;;) {
    ssize_t n = ::read(pipefd[0], buf, sizeof buf);
    if (n > 0) report.append(buf, static_cast<size_t>(n));
    else if (n < 0 && errno == EINTR) continue;
    else break;
  }
  ::close(pipefd[0]);
  if (report.empty()) protocol::send(a.result_fd, protocol::started(child));
  else if (::write(a.result_fd, report.data(), report.size()) < 0) {
    // The CLI is gone: nothing to tell.
  }

  // Relay the CLI's signals to the command until it ends (docker exec's sig-proxy); its
  // pidfd says when.
  unique_fd pidfd(static_cast<int>(::syscall(SYS_pidfd_open, child, 0)));
  int status = 0;
  if (terminal.master) {
    status = relay_exec_terminal(terminal.master.get(), child, pidfd ? pidfd.get() : -1, signals.get(),
                                 a.detach_keys, a.result_fd);
  } else {
    for (;;) {
      pid_t r = ::waitpid(child, &status, WNOHANG);
      if (r == child) break;
      pollfd p[2] = {{signals.get(), POLLIN, 0}, {pidfd ? pidfd.get() : -1, POLLIN, 0}};
      // Without a pidfd (old kernel) fall back to looking every 100 ms.
      if (::poll(p, 2, pidfd ? -1 : 100) > 0 && p[0].revents) {
        signalfd_siginfo si{};
        while (::read(signals.get(), &si, sizeof si) == static_cast<ssize_t>(sizeof si)) {
          int sig = static_cast<int>(si.ssi_signo);
          if (signal_action(sig) == SignalAction::Ignore) continue;
          ::kill(child, signal_action(sig) == SignalAction::Forward ? sig : SIGKILL);
        }
      }
    }
  }
  int code = WIFSIGNALED(status) ? 128 + WTERMSIG(status) : WEXITSTATUS(status);
  if (report.empty()) protocol::send(a.result_fd, protocol::exited(code, WIFSIGNALED(status) ? WTERMSIG(status) : 0));
  return code;
}

}  // namespace sandbox
