#include "sandbox/idmap.h"

#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <string>

#include "sandbox/unique_fd.h"

namespace sandbox {
namespace {

bool parse_ulong(const std::string& s, unsigned long& out) {
  if (s.empty() || s.size() > 10) return false;
  for (char c : s)
    if (c < '0' || c > '9') return false;
  out = std::strtoul(s.c_str(), nullptr, 10);
  return true;
}

// A map is "only ourselves" when it is exactly one range of size 1 onto `self`.
bool is_self_only(const IdMap& m, unsigned long self) {
  return m.size() == 1 && m[0].size == 1 && m[0].host_id == self;
}

int write_file(const std::string& path, const std::string& data, Error& err) {
  unique_fd fd(::open(path.c_str(), O_WRONLY | O_CLOEXEC));
  if (!fd) return err.sys("open " + path);
  ssize_t n = ::write(fd.get(), data.data(), data.size());
  if (n != static_cast<ssize_t>(data.size())) return err.sys("write " + path);
  return 0;
}

// Start newuidmap/newgidmap PID C H N ...; its stderr goes to ours. posix_spawn (vfork and
// exec) rather than fork: no copy of our page tables for a child that only execs.
pid_t start_helper(const char* helper, pid_t pid, const IdMap& m, Error& err) {
  std::vector<std::string> args{helper, std::to_string(pid)};
  for (const auto& r : m) {
    args.push_back(std::to_string(r.container_id));
    args.push_back(std::to_string(r.host_id));
    args.push_back(std::to_string(r.size));
  }
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  pid_t child = -1;
  int rc = ::posix_spawnp(&child, helper, nullptr, nullptr, argv.data(), environ);
  if (rc == ENOENT) return err.fail(std::string(helper) + " not found: install the uidmap package", ENOENT);
  if (rc != 0) return err.sys(std::string("start ") + helper, rc);
  return child;
}

int finish_helper(const char* helper, pid_t child, Error& err) {
  int status = 0;
  while (::waitpid(child, &status, 0) < 0)
    if (errno != EINTR) return err.sys(std::string("wait for ") + helper);
  if (WIFEXITED(status) && WEXITSTATUS(status) == 127)
    return err.fail(std::string(helper) + " not found: install the uidmap package", ENOENT);
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
    return err.fail(std::string(helper) + " failed (check /etc/subuid and /etc/subgid ranges, "
                    "and that it is setuid root)", EPERM);
  return 0;
}

std::string map_text(const IdMap& m) {
  std::string s;
  for (const auto& r : m)
    s += std::to_string(r.container_id) + " " + std::to_string(r.host_id) + " " +
         std::to_string(r.size) + "\n";
  return s;
}

}  // namespace

bool parse_id_map(const std::string& text, IdMap& out, Error& err) {
  out.clear();
  size_t pos = 0;
  while (pos <= text.size()) {
    size_t end = text.find(',', pos);
    if (end == std::string::npos) end = text.size();
    std::string item = text.substr(pos, end - pos);
    size_t a = item.find(':');
    size_t b = a == std::string::npos ? a : item.find(':', a + 1);
    IdRange r{};
    if (b == std::string::npos || !parse_ulong(item.substr(0, a), r.container_id) ||
        !parse_ulong(item.substr(a + 1, b - a - 1), r.host_id) ||
        !parse_ulong(item.substr(b + 1), r.size) || r.size == 0) {
      err.fail("malformed id map entry '" + item + "' (want CONTAINER:HOST:SIZE)", EINVAL);
      return false;
    }
    out.push_back(r);
    pos = end + 1;
  }
  if (out.empty()) {
    err.fail("empty id map", EINVAL);
    return false;
  }
  return true;
}

int write_id_maps(pid_t pid, const IdMap& uids, const IdMap& gids, Error& err) {
  const std::string proc = "/proc/" + std::to_string(pid);
  if (is_self_only(uids, ::getuid()) && is_self_only(gids, ::getgid())) {
    // An unprivileged writer may map only its own ids, and only after denying setgroups.
    if (write_file(proc + "/setgroups", "deny", err) < 0) return err.wrap("single-id map");
    if (write_file(proc + "/uid_map", map_text(uids), err) < 0) return err.wrap("single-id map");
    if (write_file(proc + "/gid_map", map_text(gids), err) < 0) return err.wrap("single-id map");
    return 0;
  }
  // Both helpers at once: each is a setuid exec that reads /etc/sub[ug]id (a few ms), and the
  // kernel writes uid_map and gid_map independently. The first failure is the one reported.
  pid_t uid_helper = start_helper("newuidmap", pid, uids, err);
  if (uid_helper < 0) return -1;
  Error gid_err;
  pid_t gid_helper = start_helper("newgidmap", pid, gids, gid_err);
  int rc = finish_helper("newuidmap", uid_helper, err);
  if (gid_helper < 0) return rc < 0 ? -1 : (err = gid_err, -1);
  Error wait_err;
  if (finish_helper("newgidmap", gid_helper, wait_err) < 0 && rc == 0) return err = wait_err, -1;
  return rc;
}

}  // namespace sandbox
