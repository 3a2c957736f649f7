// Placement: crun's "systemd" cgroup manager, reduced to what a rootless container needs.
// The scope is the delegation boundary (systemd hands its subtree to us); the container itself
// lives in a leaf below it, because cgroup v2 forbids enabling controllers for children of a
// cgroup that still holds processes ("no internal processes").
#include <fcntl.h>
#include <linux/close_range.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <systemd/sd-bus.h>
#include <unistd.h>

#include <cstdio>
#include <ctime>

#include "cgroup/cgroup.h"
#include "sandbox/lazy_lib.h"
#include "sandbox/unique_fd.h"

namespace sandbox {
namespace {

constexpr const char* kRoot = "/sys/fs/cgroup";
constexpr const char* kLeaf = "container";
constexpr const char* kKeeperLeaf = "keeper";

// systemd stops a scope, and removes its cgroup, the moment it is empty: when the container's
// last process exits, before the monitor could read memory.events for the OOM verdict. A
// process of ours that only sleeps, in a sibling leaf of the same scope, keeps the scope
// until we have read it. One container per monitor process, so one keeper: a plain static.
pid_t g_keeper = -1;

pid_t start_keeper() {
  pid_t pid = ::fork();  // the monitor is single-threaded: fork is safe
  if (pid != 0) return pid;
  // It must hold none of the monitor's fds: the CLI waits for EOF on the result pipe and on
  // the container's stdio, and the init for EOF on the sync socket.
  ::syscall(SYS_close_range, 0U, ~0U, 0U);
  ::prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
  for (;;) ::pause();  // signals stay blocked (inherited): only SIGKILL ends it
}

void stop_keeper() {
  if (g_keeper <= 0) return;
  ::kill(g_keeper, SIGKILL);
  int status;
  while (::waitpid(g_keeper, &status, 0) < 0 && errno == EINTR) {
  }
  g_keeper = -1;
}

int write_file(const std::string& path, const std::string& value, Error& err) {
  unique_fd fd(::open(path.c_str(), O_WRONLY | O_CLOEXEC));
  if (!fd) return err.sys("open " + path);
  ssize_t n = ::write(fd.get(), value.data(), value.size());
  if (n != static_cast<ssize_t>(value.size())) return err.sys("write '" + value + "' to " + path);
  return 0;
}

int read_file(const std::string& path, std::string& out) {
  unique_fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd) return -1;
  char buf[4096];
  ssize_t n;
  out.clear();
  while ((n = ::read(fd.get(), buf, sizeof buf)) > 0) out.append(buf, static_cast<size_t>(n));
  return n < 0 ? -1 : 0;
}

// The unified-hierarchy path of `pid`, from /proc/PID/cgroup's "0::/path" line.
std::string cgroup_of(pid_t pid) {
  std::string text;
  if (read_file("/proc/" + std::to_string(pid) + "/cgroup", text) < 0) return "";
  size_t at = text.find("0::");
  if (at == std::string::npos) return "";
  size_t end = text.find('\n', at);
  return text.substr(at + 3, end == std::string::npos ? std::string::npos : end - at - 3);
}

void sleep_ms(int ms) {
  struct timespec ts{ms / 1000, (ms % 1000) * 1000000L};
  ::nanosleep(&ts, nullptr);
}

// libsystemd's D-Bus client, loaded only by the runs that ask systemd for a scope
// (sandbox/lazy_lib.h): with it come six more libraries no other run needs.
struct SdBus {
  decltype(&::sd_bus_open_user) open_user = nullptr;
  decltype(&::sd_bus_message_new_method_call) new_method_call = nullptr;
  decltype(&::sd_bus_message_append) append = nullptr;
  decltype(&::sd_bus_message_open_container) open_container = nullptr;
  decltype(&::sd_bus_message_close_container) close_container = nullptr;
  decltype(&::sd_bus_call) call = nullptr;
  decltype(&::sd_bus_error_free) error_free = nullptr;
  decltype(&::sd_bus_message_unref) message_unref = nullptr;
  decltype(&::sd_bus_flush_close_unref) flush_close_unref = nullptr;
};

const SdBus* sd_bus_api(Error& err) {
  static lazy::Library lib("libsystemd.so.0");
  static SdBus api;
  static bool ok = false;
  if (!ok)
    ok = lib.resolve(api.open_user, "sd_bus_open_user", err) &&
         lib.resolve(api.new_method_call, "sd_bus_message_new_method_call", err) &&
         lib.resolve(api.append, "sd_bus_message_append", err) &&
         lib.resolve(api.open_container, "sd_bus_message_open_container", err) &&
         lib.resolve(api.close_container, "sd_bus_message_close_container", err) &&
         lib.resolve(api.call, "sd_bus_call", err) &&
         lib.resolve(api.error_free, "sd_bus_error_free", err) &&
         lib.resolve(api.message_unref, "sd_bus_message_unref", err) &&
         lib.resolve(api.flush_close_unref, "sd_bus_flush_close_unref", err);
  return ok ? &api : nullptr;
}

// StartTransientUnit(name, "fail", [PIDs, Delegate, Slice, Description, CollectMode], []),
// the call podman makes through crun. The reply is a job; the move of the pid is done by the
// time the unit starts, which we watch for in /proc (waiting on JobRemoved would need a
// subscription set up before the call and a loop; polling one file is simpler and as exact).
int start_scope(const CgroupSpec& spec, pid_t pid, std::string& scope_path, Error& err) {
  const SdBus* sd = sd_bus_api(err);
  if (!sd) return err.wrap("ask systemd for a cgroup scope");
  sd_bus* bus = nullptr;
  int r = sd->open_user(&bus);
  if (r < 0)
    return err.sys("connect to the systemd user manager's D-Bus (is XDG_RUNTIME_DIR set and "
                   "`loginctl enable-linger` on?)", -r);
  sd_bus_message* m = nullptr;
  sd_bus_message* reply = nullptr;
  sd_bus_error berr = SD_BUS_ERROR_NULL;
  auto done = [&](int rc) {
    sd->error_free(&berr);
    sd->message_unref(reply);
    sd->message_unref(m);
    sd->flush_close_unref(bus);
    return rc;
  };
  r = sd->new_method_call(bus, &m, "org.freedesktop.systemd1", "/org/freedesktop/systemd1",
                          "org.freedesktop.systemd1.Manager", "StartTransientUnit");
  if (r >= 0) r = sd->append(m, "ss", spec.unit.c_str(), "fail");
  if (r >= 0) r = sd->open_container(m, 'a', "(sv)");
  // Both at once: the user manager may move them itself or, from a login session it does not
  // own, ask the system manager to (what podman's containers rely on too).
  if (r >= 0)
    r = sd->append(m, "(sv)", "PIDs", "au", 2, static_cast<uint32_t>(pid),
                   static_cast<uint32_t>(g_keeper));
  if (r >= 0) r = sd->append(m, "(sv)", "Delegate", "b", 1);
  if (r >= 0) r = sd->append(m, "(sv)", "Slice", "s", spec.slice.c_str());
  if (r >= 0) r = sd->append(m, "(sv)", "Description", "s", "sandbox container");
  // Gone from systemd's memory once stopped, even if it failed: nothing left after `rm`.
  if (r >= 0) r = sd->append(m, "(sv)", "CollectMode", "s", "inactive-or-failed");
  if (r >= 0) r = sd->close_container(m);
  if (r >= 0) r = sd->append(m, "a(sa(sv))", 0);
  if (r < 0) return done(err.sys("build the StartTransientUnit call", -r));
  r = sd->call(bus, m, 0, &berr, &reply);
  if (r < 0)
    return done(err.fail("systemd refused the scope " + spec.unit + ": " +
                             (berr.message ? berr.message : std::strerror(-r)),
                         -r));
  // Under emulation (the TCG test guest) systemd can take a while: allow 20 s.
  for (int i = 0; i < 2000; i++) {
    std::string path = cgroup_of(pid);
    auto in_scope = [&](const std::string& p) {
      return p.size() > spec.unit.size() &&
             p.compare(p.size() - spec.unit.size() - 1, std::string::npos, "/" + spec.unit) == 0;
    };
    if (in_scope(path) && in_scope(cgroup_of(g_keeper))) {
      scope_path = kRoot + path;
      return done(0);
    }
    sleep_ms(10);
  }
  return done(err.fail("systemd did not move the container into " + spec.unit + " within 20 s", ETIMEDOUT));
}

// --cgroup-parent under a delegated cgroup: each level below parent_base is created (kept
// afterwards, as docker keeps a cgroup parent) and enables the controllers for the next one,
// since a child only gets the controllers its parent's cgroup.subtree_control lists.
int make_parent_levels(const CgroupSpec& spec, Error& err) {
  if (spec.parent_base.empty()) return 0;
  std::string enable;
  for (const auto& c : spec.controllers) enable += (enable.empty() ? "+" : " +") + c;
  std::string dir = spec.parent_base;
  const std::string rest = spec.parent.substr(spec.parent_base.size() + 1);
  for (size_t pos = 0; pos < rest.size();) {
    size_t slash = rest.find('/', pos);
    if (slash == std::string::npos) slash = rest.size();
    if (slash > pos) {
      dir.push_back('/');
      dir.append(rest, pos, slash - pos);
      if (::mkdir(dir.c_str(), 0755) < 0 && errno != EEXIST) return err.sys("create the cgroup parent " + dir);
      if (!enable.empty() && write_file(dir + "/cgroup.subtree_control", enable, err) < 0)
        return err.wrap("enable the " + enable + " controllers in " + dir);
    }
    pos = slash + 1;
  }
  return 0;
}

}  // namespace

int place_in_cgroup(const CgroupSpec& spec, pid_t pid, std::string& leaf, Error& err) {
  std::string base;
  if (spec.manager == "systemd") {
    g_keeper = start_keeper();
    if (g_keeper < 0) return err.sys("fork the scope keeper");
    if (start_scope(spec, pid, base, err) < 0) return -1;
    std::string keeper = base + "/" + kKeeperLeaf;
    if (::mkdir(keeper.c_str(), 0755) < 0 && errno != EEXIST) return err.sys("create the cgroup " + keeper);
    if (write_file(keeper + "/cgroup.procs", std::to_string(g_keeper), err) < 0) return -1;
  } else {
    if (make_parent_levels(spec, err) < 0) return -1;
    base = spec.parent + "/" + spec.name;
    if (::mkdir(base.c_str(), 0755) < 0) return err.sys("create the cgroup " + base);
    if (write_file(base + "/cgroup.procs", std::to_string(pid), err) < 0) return -1;
  }
  // The leaf, then the pid into it, and only then the controllers: a cgroup with processes of
  // its own may not hand controllers to children.
  leaf = base + "/" + kLeaf;
  if (::mkdir(leaf.c_str(), 0755) < 0 && errno != EEXIST) return err.sys("create the cgroup " + leaf);
  if (write_file(leaf + "/cgroup.procs", std::to_string(pid), err) < 0) return -1;
  std::string enable;
  for (const auto& c : spec.controllers) enable += (enable.empty() ? "+" : " +") + c;
  if (!enable.empty() && write_file(base + "/cgroup.subtree_control", enable, err) < 0)
    return err.wrap("enable the " + enable + " controllers (are they delegated? see `sandbox info`)");
  for (const auto& w : spec.writes) {
    std::string path = leaf + "/" + w.file;
    if (!w.fallback_file.empty() && ::access(path.c_str(), F_OK) < 0) {
      if (write_file(leaf + "/" + w.fallback_file, w.fallback_value, err) < 0) return -1;
      continue;
    }
    if (write_file(path, w.value, err) < 0) return -1;
  }
  return 0;
}

bool cgroup_oom_killed(const std::string& leaf) {
  std::string text;
  if (leaf.empty() || read_file(leaf + "/memory.events", text) < 0) return false;
  size_t at = text.find("oom_kill ");
  return at != std::string::npos && std::strtoull(text.c_str() + at + 9, nullptr, 10) > 0;
}

void remove_cgroup(const CgroupSpec& spec, const std::string& leaf) {
  stop_keeper();  // now the scope may go: systemd removes it once empty
  if (leaf.empty()) return;
  // The init is reaped, but the kernel may still be tearing down the rest of its pid
  // namespace: rmdir fails with EBUSY until the last task is gone.
  for (int i = 0; i < 200 && ::rmdir(leaf.c_str()) < 0 && errno == EBUSY; i++) sleep_ms(10);
  // A scope is removed by systemd once empty; our own cgroupfs child we remove ourselves.
  if (spec.manager == "cgroupfs") ::rmdir((spec.parent + "/" + spec.name).c_str());
}

}  // namespace sandbox
