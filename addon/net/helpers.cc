#include "net/helpers.h"

#include <fcntl.h>
#include <linux/close_range.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstring>

#include "monitor/trim.h"
#include "net/switch_client.h"
#include "sandbox/json.h"
#include "sandbox/fd_passing.h"

namespace sandbox::net {
namespace {

// Receive the tap fd the init sends as a one-byte 'T' message. Peek first: an init that
// failed before sending it wrote an error line instead, which belongs to the supervisor.
int receive_tap(int sync_fd, unique_fd& tap, Error& err) {
  return fdpass::receive(sync_fd, 'T', tap, "the tap device", err) < 0 ? -1 : 0;
}

// The outbound bypass's connect notifier, which the init sends right after the tap: 'N' with
// the listener and 'U' with its route probe, or 'n' alone when its kernel refused the filter
// (then no bypass). Anything else (an error line) stays for the supervisor.
int receive_notifier(int sync_fd, unique_fd& listener, unique_fd& probe, Error& err) {
  char byte = 0;
  for (;;) {
    ssize_t n = ::recv(sync_fd, &byte, 1, MSG_PEEK);
    if (n == 0) return 0;
    if (n > 0) break;
    if (errno != EINTR) return err.sys("wait for the connect notifier");
  }
  if (byte == 'n') return ::recv(sync_fd, &byte, 1, 0) == 1 ? 0 : err.sys("read from the init");
  if (fdpass::receive(sync_fd, 'N', listener, "the connect notifier", err) < 0) return -1;
  if (listener && fdpass::receive(sync_fd, 'U', probe, "the route probe", err) < 0) return -1;
  if (!probe) listener.reset();  // the init failed in between: no bypass
  return 0;
}

// In a freshly forked helper: die with the monitor, take signals normally again (the monitor
// blocks them for its signalfd), and keep only the fds the helper needs, renumbered from 3, so
// no pipe of the CLI (the result fd) stays open after the monitor is gone.
void become_helper(std::vector<int*> keep) {
  ::prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
  sigset_t none;
  sigemptyset(&none);
  ::sigprocmask(SIG_SETMASK, &none, nullptr);
  for (int s : {SIGTERM, SIGINT, SIGHUP, SIGPIPE, SIGQUIT}) ::signal(s, s == SIGPIPE ? SIG_IGN : SIG_DFL);
  // Stage above every kept fd first so the renumbering never overwrites one we still need.
  int high = 1000;
  for (int* fd : keep) {
    *fd = ::fcntl(*fd, F_DUPFD, high++);
  }
  int next = 3;
  for (int* fd : keep) {
    ::dup2(*fd, next);
    *fd = next++;
  }
  ::syscall(SYS_close_range, static_cast<unsigned>(next), ~0u, 0);
  // What the fork shared with the monitor and the helper won't use (the monitor's freed heap,
  // the setup code's pages) would otherwise stay resident here for the container's life.
  trim_resident_memory();
}

int write_ports_file(const NetworkSpec& spec, const std::string& state_dir, Error& err) {
  json::Value list = json::Value::array();
  for (const auto& p : spec.ports) {
    json::Value o = json::Value::object();
    o.set("hostIp", json::Value::string(p.host_ip.empty() ? std::string("0.0.0.0") : p.host_ip));
    o.set("hostPort", json::Value::number(p.host_port));
    o.set("containerPort", json::Value::number(p.container_port));
    o.set("protocol", json::Value::string(p.protocol));
    list.push(std::move(o));
  }
  std::string text = list.dump() + "\n";
  std::string tmp = state_dir + "/ports.json.tmp", path = state_dir + "/ports.json";
  unique_fd fd(::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600));
  if (!fd) return err.sys("write " + tmp);
  if (::write(fd.get(), text.data(), text.size()) != static_cast<ssize_t>(text.size())) return err.sys("write " + tmp);
  if (::rename(tmp.c_str(), path.c_str()) < 0) return err.sys("rename " + tmp);
  return 0;
}

void reap(pid_t& pid) {
  if (pid <= 0) return;
  while (::waitpid(pid, nullptr, 0) < 0 && errno == EINTR) {
  }
  pid = -1;
}

}  // namespace

int prepare_network(NetworkSpec& spec, const std::string& state_dir, NetworkHelpers& h, Error& err) {
  if (spec.ports.empty()) return 0;
  if (open_listeners(spec, h.listeners, err) < 0) return -1;
  return write_ports_file(spec, state_dir, err);
}

// User-defined networks: the init sends one tap per network (after tap0, if any); each goes to
// its network's switch, started here if none runs.
static int join_networks(const NetworkSpec& spec, int sync_fd, NetworkHelpers& h, Error& err) {
  for (const auto& n : spec.networks) {
    unique_fd tap, conn;
    if (receive_tap(sync_fd, tap, err) < 0) return -1;
    if (!tap) return 1;  // the init failed: its error is on the sync socket
    if (join_switch(n, spec.container_id, spec.container_name, tap.get(), conn, err) < 0) return -1;
    h.memberships.push_back(std::move(conn));
  }
  return 0;
}

// Published ports: the forwarder child keeps the listeners. Forked before libslirp is loaded,
// so it never maps it.
static int start_forwarder(int init_pidfd, NetworkHelpers& h, Error& err) {
  if (h.listeners.empty()) return 0;
  h.forwarder = ::fork();
  if (h.forwarder < 0) return err.sys("fork the port forwarder");
  if (h.forwarder == 0) {
    int pidfd = init_pidfd;
    std::vector<int*> keep{&pidfd};
    std::vector<int> fds;
    for (auto& l : h.listeners) fds.push_back(l.fd.release());
    for (auto& fd : fds) keep.push_back(&fd);
    become_helper(keep);
    for (size_t i = 0; i < fds.size(); i++) h.listeners[i].fd.reset(fds[i]);
    run_forwarder(pidfd, h.listeners);
  }
  // The forwarder holds the listeners now; ours would keep the ports bound after it dies.
  h.listeners.clear();
  return 0;
}

int start_network(const NetworkSpec& spec, int sync_fd, int init_pidfd, NetworkHelpers& h, Error& err) {
  if (spec.mode != Mode::Slirp && spec.mode != Mode::Switch) return 0;
  if (start_forwarder(init_pidfd, h, err) < 0) return -1;
  // Loaded before waiting for the tap: the init is busy creating it meanwhile.
  if (spec.mode == Mode::Slirp && load_slirp(err) < 0) return -1;
  // The init's order: tap0, then the connect notifier (bypass), then one tap per network.
  unique_fd tap, notifier, probe;
  if (spec.mode == Mode::Slirp) {
    if (receive_tap(sync_fd, tap, err) < 0) return -1;
    if (!tap) return 0;
    if (spec.bypass && receive_notifier(sync_fd, notifier, probe, err) < 0) return -1;
  }
  int joined = join_networks(spec, sync_fd, h, err);
  if (joined != 0) return joined < 0 ? -1 : 0;
  // Every switch has answered the join: the init may exec the command now (it waits for this
  // byte last before execve). Docker's networks are all connected before the process starts,
  // and a name on the second network must resolve from the command's first instruction.
  if (!spec.networks.empty()) {
    const char joined_all = 'J';
    while (::write(sync_fd, &joined_all, 1) != 1)
      if (errno != EINTR) return err.sys("tell the container init its networks are joined");
  }
  if (spec.mode == Mode::Slirp) {
    // Only the monitor's loop answers the container's connects: no other copy of the notifier
    // exists. Were the monitor gone, they would fail (ENOSYS) rather than hang.
    h.slirp = std::make_unique<SlirpNetwork>();
    if (h.slirp->start(std::move(tap), std::move(notifier), std::move(probe), spec, err) < 0) return -1;
  }
  return 0;
}

void stop_network(NetworkHelpers& h) {
  if (h.forwarder > 0) ::kill(h.forwarder, SIGKILL);
  reap(h.forwarder);
  if (h.slirp) h.tap_closer = h.slirp->stop();
  h.slirp.reset();
  h.listeners.clear();
  h.memberships.clear();
}

void reap_network(NetworkHelpers& h) { reap(h.tap_closer); }

}  // namespace sandbox::net
