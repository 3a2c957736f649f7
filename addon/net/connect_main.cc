// `sandbox-monitor netconnect --pid PID --id ID --name NAME --network JSON`: `sandbox network
// connect` on a running container. A child joins the container's user and network namespaces
// through the init's pidfd (as the port forwarder does; the mount namespace is not joined, so
// /dev/net/tun is the host's), makes the next free ethN there and sends its fd back. This
// process, still in the host's namespaces, hands it to the network's switch (starting it if
// needed), then leaves a keeper that holds the membership until the container exits or is
// disconnected. Prints the interface name on success.
//
// `sandbox-monitor netdisconnect --id ID --network JSON`: the switch drops the member, which
// closes its tap: the device disappears from the container, and the keeper exits.
//
// `sandbox-monitor netconnect --id ID --rename NAME --network JSON`: `sandbox rename` of a
// running member: the switch's DNS answers NAME (and the entry's aliases) instead of the old
// name from now on; the membership and the container are untouched.
#include <fcntl.h>
#include <linux/close_range.h>
#include <net/if.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <string>

#include "net/member_tap.h"
#include "net/switch_client.h"
#include "sandbox/fd_passing.h"
#include "sandbox/json.h"

namespace sandbox {
namespace {

struct Args {
  pid_t pid = -1;
  std::string id, name, network, rename;
};

bool parse_args(int argc, char** argv, Args& a) {
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string k = argv[i], v = argv[i + 1];
    if (k == "--pid") a.pid = static_cast<pid_t>(std::atoi(v.c_str()));
    else if (k == "--id") a.id = v;
    else if (k == "--name") a.name = v;
    else if (k == "--network") a.network = v;
    else if (k == "--rename") a.rename = v;
    else return false;
  }
  return argc % 2 == 1 && !a.id.empty() && !a.network.empty();
}

int fail(const std::string& what) {
  std::fprintf(stderr, "%s\n", what.c_str());
  return 1;
}

bool read_network(const std::string& text, net::SwitchNetwork& n, Error& err) {
  json::Value v;
  return json::parse(text, v, err) && net::parse_switch_network(v, "--network", n, err);
}

// In a child: join the container, create the tap, send it back. Returns the interface name.
int make_tap_inside(int pidfd, const net::SwitchNetwork& n, unique_fd& tap, std::string& ifname, Error& err) {
  int sv[2];
  if (::socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0) return err.sys("socketpair");
  unique_fd ours(sv[0]), theirs(sv[1]);
  pid_t child = ::fork();
  if (child < 0) return err.sys("fork");
  if (child == 0) {
    ours.reset();
    Error e;
    if (::setns(pidfd, CLONE_NEWUSER | CLONE_NEWNET) < 0) {
      e.sys("join the container's network namespace");
    } else {
      std::string name;
      for (int i = 0; i < 64 && name.empty(); i++)
        if (::if_nametoindex(("eth" + std::to_string(i)).c_str()) == 0) name = "eth" + std::to_string(i);
      unique_fd t;
      // The container keeps the default route it has: a connected network adds its subnet.
      if (net::create_member_tap(n, name, false, t, e) == 0) {
        ::send(theirs.get(), name.data(), name.size(), MSG_NOSIGNAL);
        if (fdpass::send(theirs.get(), 'T', t.get(), "the tap device", e) == 0) ::_exit(0);
      }
    }
    ::send(theirs.get(), ("!" + e.message).data(), e.message.size() + 1, MSG_NOSIGNAL);
    ::_exit(1);
  }
  theirs.reset();
  char buf[512];
  ssize_t len = ::recv(ours.get(), buf, sizeof buf, 0);
  int status;
  if (len <= 0 || buf[0] == '!') {
    while (::waitpid(child, &status, 0) < 0 && errno == EINTR) {
    }
    return err.fail(len > 1 ? std::string(buf + 1, static_cast<size_t>(len - 1)) : "the helper died", EIO);
  }
  ifname.assign(buf, static_cast<size_t>(len));
  int r = fdpass::receive(ours.get(), 'T', tap, "the tap device", err);
  while (::waitpid(child, &status, 0) < 0 && errno == EINTR) {
  }
  if (r <= 0 || !tap) return err.ok() ? err.fail("no tap device came back", EIO) : -1;
  return 0;
}

}  // namespace

int netconnect_main(int argc, char** argv) {
  Args a;
  if (!parse_args(argc, argv, a) || (a.pid <= 0) == a.rename.empty())
    return fail("usage: sandbox-monitor netconnect --pid PID --id ID --name NAME --network JSON\n"
                "       sandbox-monitor netconnect --id ID --rename NAME --network JSON");
  Error err;
  net::SwitchNetwork n;
  if (!read_network(a.network, n, err)) return fail(err.message);
  if (!a.rename.empty()) return net::rename_in_switch(n, a.id, a.rename, err) < 0 ? fail(err.message) : 0;
  unique_fd pidfd(static_cast<int>(::syscall(SYS_pidfd_open, a.pid, 0)));
  if (!pidfd) return fail("the container's init (pid " + std::to_string(a.pid) + ") is gone");
  unique_fd tap, conn;
  std::string ifname;
  if (make_tap_inside(pidfd.get(), n, tap, ifname, err) < 0) return fail(err.message);
  if (net::join_switch(n, a.id, a.name, tap.get(), conn, err) < 0) return fail(err.message);
  tap.reset();  // the switch holds it now
  // The keeper: in its own session, holding the membership until the container's init exits
  // (pidfd readable) or the switch drops it (disconnect: the connection hangs up).
  pid_t child = ::fork();
  if (child < 0) return fail("fork the keeper");
  if (child == 0) {
    ::setsid();
    if (::fork() != 0) ::_exit(0);
    int keep[2] = {::fcntl(conn.get(), F_DUPFD, 100), ::fcntl(pidfd.get(), F_DUPFD, 100)};
    ::dup2(keep[0], 3);
    ::dup2(keep[1], 4);
    ::syscall(SYS_close_range, 5u, ~0u, 0);
    for (int fd = 0; fd < 3; fd++) ::close(fd);
    pollfd p[2] = {{3, POLLIN, 0}, {4, POLLIN, 0}};
    while (::poll(p, 2, -1) < 0 && errno == EINTR) {
    }
    ::_exit(0);
  }
  int status;
  while (::waitpid(child, &status, 0) < 0 && errno == EINTR) {
  }
  std::printf("%s\n", ifname.c_str());
  return 0;
}

int netdisconnect_main(int argc, char** argv) {
  Args a;
  if (!parse_args(argc, argv, a)) return fail("usage: sandbox-monitor netdisconnect --id ID --network JSON");
  Error err;
  net::SwitchNetwork n;
  if (!read_network(a.network, n, err)) return fail(err.message);
  if (net::drop_from_switch(n, a.id, err) < 0) return fail(err.message);
  return 0;
}

}  // namespace sandbox
