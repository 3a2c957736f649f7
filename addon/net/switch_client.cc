#include "net/switch_client.h"

#include <fcntl.h>
#include <linux/close_range.h>
#include <poll.h>
#include <signal.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstring>

#include "sandbox/fd_passing.h"
#include "sandbox/json.h"

namespace sandbox::net {
namespace {

bool make_addr(const std::string& path, sockaddr_un& a) {
  a = sockaddr_un{};
  a.sun_family = AF_UNIX;
  if (path.size() >= sizeof a.sun_path) return false;
  std::memcpy(a.sun_path, path.c_str(), path.size() + 1);
  return true;
}

// A connection to the switch, or an empty fd when none listens there.
unique_fd connect_switch(const std::string& path) {
  sockaddr_un a;
  if (!make_addr(path, a)) return unique_fd();
  unique_fd s(::socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0));
  if (!s) return s;
  while (::connect(s.get(), reinterpret_cast<sockaddr*>(&a), sizeof a) < 0)
    if (errno != EINTR) return unique_fd();
  return s;
}

// The switch's stderr: beside its socket, <id12>.log.
std::string log_path(const SwitchNetwork& n) {
  const std::string& s = n.socket;
  return (s.size() > 5 && s.compare(s.size() - 5, 5, ".sock") == 0 ? s.substr(0, s.size() - 5) : s) + ".log";
}

std::string dir_of(const std::string& path) {
  auto slash = path.rfind('/');
  return slash == std::string::npos ? "." : path.substr(0, slash);
}

// Under the network's lock: bind the socket here (so a connect right after this can't miss
// it), then start the switch as a grandchild in its own session that inherits the listening
// socket and the locked lock file, which it holds for as long as it serves.
int start_switch(const SwitchNetwork& n, int lock_fd, Error& err) {
  ::mkdir(dir_of(n.socket).c_str(), 0700);
  sockaddr_un a;
  if (!make_addr(n.socket, a)) return err.fail("socket path too long: " + n.socket, ENAMETOOLONG);
  ::unlink(n.socket.c_str());  // a stale one of a switch that died: we hold the lock
  unique_fd listen_fd(::socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0));
  if (!listen_fd) return err.sys("socket for the switch of network " + n.name);
  mode_t old = ::umask(0177);
  int rc = ::bind(listen_fd.get(), reinterpret_cast<sockaddr*>(&a), sizeof a);
  ::umask(old);
  if (rc < 0) return err.sys("bind " + n.socket);
  if (::listen(listen_fd.get(), 64) < 0) return err.sys("listen on " + n.socket);
  const std::string log = log_path(n);

  pid_t child = ::fork();
  if (child < 0) return err.sys("fork the switch of network " + n.name);
  if (child == 0) {
    ::setsid();
    if (::fork() != 0) ::_exit(0);
    // The grandchild: nobody's child we know of, no terminal, no PDEATHSIG, default signals.
    sigset_t none;
    sigemptyset(&none);
    ::sigprocmask(SIG_SETMASK, &none, nullptr);
    for (int s : {SIGTERM, SIGINT, SIGQUIT, SIGCHLD}) ::signal(s, SIG_DFL);
    ::signal(SIGHUP, SIG_IGN);
    ::signal(SIGPIPE, SIG_IGN);
    int devnull = ::open("/dev/null", O_RDWR | O_CLOEXEC);
    int logfd = ::open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC | O_NOFOLLOW, 0600);
    int lk = ::fcntl(lock_fd, F_DUPFD, 100), ls = ::fcntl(listen_fd.get(), F_DUPFD, 100);
    ::dup2(devnull, 0);
    ::dup2(devnull, 1);
    ::dup2(logfd >= 0 ? logfd : devnull, 2);
    ::dup2(lk, 3);
    ::dup2(ls, 4);
    ::syscall(SYS_close_range, 5u, ~0u, 0);
    std::string prefix = std::to_string(n.prefix);
    std::vector<const char*> argv = {"sandbox-monitor", "netswitch", "--lock-fd", "3", "--listen-fd", "4",
                                     "--socket", n.socket.c_str(), "--name", n.name.c_str(),
                                     "--subnet", n.subnet.c_str(), "--prefix", prefix.c_str(),
                                     "--gateway", n.gateway.c_str()};
    if (!n.records.empty()) {
      argv.push_back("--records");
      argv.push_back(n.records.c_str());
    }
    std::string prefix6 = std::to_string(n.prefix6);
    if (!n.ip6.empty()) {
      for (const char* a : {"--subnet6", n.subnet6.c_str(), "--prefix6", prefix6.c_str(), "--gateway6", n.gateway6.c_str()})
        argv.push_back(a);
    }
    if (n.internal) argv.push_back("--internal");
    argv.push_back(nullptr);
    ::execv("/proc/self/exe", const_cast<char* const*>(argv.data()));
    ::_exit(127);
  }
  int status;
  while (::waitpid(child, &status, 0) < 0 && errno == EINTR) {
  }
  return 0;
}

int send_hello(int conn, const std::string& text, int fd, Error& err) {
  return fdpass::send_message(conn, text, fd, "to the network's switch", err);
}

// The switch's answer: 1 "ok", 0 hung up (it was exiting: try again), -1 refused or broken.
int read_answer(int conn, Error& err) {
  pollfd p{conn, POLLIN, 0};
  int r;
  while ((r = ::poll(&p, 1, 10000)) < 0 && errno == EINTR) {
  }
  if (r == 0) return err.fail("the network's switch did not answer", ETIMEDOUT);
  char buf[512];
  ssize_t n = ::recv(conn, buf, sizeof buf - 1, 0);
  if (n <= 0) return 0;
  std::string text(buf, static_cast<size_t>(n));
  if (text == "ok") return 1;
  return err.fail(text, EINVAL);
}

// One request, starting the switch when none listens (start = true). 1 done, 0 no switch.
int request(const SwitchNetwork& n, const std::string& hello, int fd, bool start, unique_fd& conn, Error& err) {
  // A switch can be exiting just as we connect: it hangs up without an answer, and by the
  // time we hold the lock it is gone; a handful of tries covers any interleaving.
  for (int attempt = 0; attempt < 5; attempt++) {
    unique_fd c = connect_switch(n.socket);
    if (!c) {
      if (!start) return 0;
      ::mkdir(dir_of(n.lock).c_str(), 0700);
      unique_fd lock(::open(n.lock.c_str(), O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600));
      if (!lock) return err.sys("open " + n.lock);
      while (::flock(lock.get(), LOCK_EX) < 0)
        if (errno != EINTR) return err.sys("lock " + n.lock);
      c = connect_switch(n.socket);
      if (!c) {
        if (start_switch(n, lock.get(), err) < 0) return -1;
        c = connect_switch(n.socket);
        if (!c) return err.sys("connect to the switch of network " + n.name);
      }
    }
    if (send_hello(c.get(), hello, fd, err) < 0) continue;
    int r = read_answer(c.get(), err);
    if (r < 0) return -1;
    if (r == 1) {
      conn = std::move(c);
      return 1;
    }
  }
  return err.fail("the switch of network " + n.name + " keeps hanging up (its log: " + log_path(n) + ")", ECONNRESET);
}

}  // namespace

int join_switch(const SwitchNetwork& n, const std::string& container_id, const std::string& container_name,
                int tap, unique_fd& conn, Error& err) {
  json::Value hello = json::Value::object();
  hello.set("op", json::Value::string("join"));
  hello.set("id", json::Value::string(container_id));
  hello.set("name", json::Value::string(container_name));
  json::Value aliases = json::Value::array();
  for (const auto& a : n.aliases) aliases.push(json::Value::string(a));
  hello.set("aliases", std::move(aliases));
  hello.set("ip", json::Value::string(n.ip));
  if (!n.ip6.empty()) hello.set("ip6", json::Value::string(n.ip6));
  hello.set("mac", json::Value::string(n.mac));
  if (request(n, hello.dump(), tap, true, conn, err) < 0)
    return err.wrap("join network " + n.name);
  return 0;
}

int drop_from_switch(const SwitchNetwork& n, const std::string& container_id, Error& err) {
  json::Value hello = json::Value::object();
  hello.set("op", json::Value::string("drop"));
  hello.set("id", json::Value::string(container_id));
  unique_fd conn;
  if (request(n, hello.dump(), -1, false, conn, err) < 0) return err.wrap("leave network " + n.name);
  return 0;
}

int rename_in_switch(const SwitchNetwork& n, const std::string& container_id, const std::string& container_name,
                     Error& err) {
  json::Value hello = json::Value::object();
  hello.set("op", json::Value::string("rename"));
  hello.set("id", json::Value::string(container_id));
  hello.set("name", json::Value::string(container_name));
  json::Value aliases = json::Value::array();
  for (const auto& a : n.aliases) aliases.push(json::Value::string(a));
  hello.set("aliases", std::move(aliases));
  unique_fd conn;
  if (request(n, hello.dump(), -1, false, conn, err) < 0) return err.wrap("rename on network " + n.name);
  return 0;
}

}  // namespace sandbox::net
