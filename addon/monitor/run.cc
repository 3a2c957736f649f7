// `sandbox-monitor run --config PATH --result-fd N`: one foreground container, from config to
// exit code. The steps inside the container are in init/setup.cc; this is the outside half.
#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "cgroup/cgroup.h"
#include "init/config.h"
#include "monitor/attach_input.h"
#include "monitor/health.h"
#include "monitor/log_writer.h"
#include "monitor/modes.h"
#include "monitor/pid_file.h"
#include "monitor/restart.h"
#include "monitor/signals.h"
#include "monitor/spawn.h"
#include "monitor/supervise.h"
#include "monitor/terminal.h"
#include "net/helpers.h"
#include "sandbox/protocol.h"
#include "sandbox/unique_fd.h"

namespace sandbox {
namespace {

struct RunArgs {
  std::string config_path;
  int result_fd = -1;
  std::string log_path;   // run -d: the container's stdout/stderr go to this log
  long long log_max_size = 0;
  int log_max_files = 2;  // --log-opt max-file: files kept in all, the current one included
  std::string exit_file;  // written once the container has exited (its exit code, for ps/wait)
  std::string detach_keys;  // run -it: the bytes that detach the caller (--detach-keys, hex)
  std::vector<std::string> exit_command;  // run -d --rm: what to exec once it has ended
  bool attach_wait = false;  // start -a: the first attach client connects before the start
  bool open_stdin = false;  // -i, detached: the container's stdin is a pipe attach clients feed
  bool stdin_once = false;  // ... which a client's end of input closes (docker's StdinOnce)
  bool foreground = false;  // a CLI shows our stdio: with --log, the output goes to both
};

bool parse_run_args(int argc, char** argv, RunArgs& out, std::string& problem) {
  for (int i = 1; i < argc; i++) {
    std::string a = argv[i];
    std::string value;
    auto take = [&](const char* flag) {
      std::string f = flag;
      if (a == f && i + 1 < argc) return value = argv[++i], true;
      if (a == f) return value.clear(), true;  // missing value: caught below as a usage error
      if (a.rfind(f + "=", 0) == 0) return value = a.substr(f.size() + 1), true;
      return false;
    };
    if (take("--config")) {
      out.config_path = value;
      if (value.empty()) {
        problem = "--config wants a path";
        return false;
      }
    } else if (take("--result-fd")) {
      char* end = nullptr;
      long fd = std::strtol(value.c_str(), &end, 10);
      if (value.empty() || *end != '\0' || fd < 0 || fd > 1 << 20) {
        problem = "--result-fd wants a file descriptor number, got '" + value + "'";
        return false;
      }
      out.result_fd = static_cast<int>(fd);
    } else if (take("--log")) {
      out.log_path = value;
    } else if (take("--log-max-size")) {
      char* end = nullptr;
      out.log_max_size = std::strtoll(value.c_str(), &end, 10);
      if (value.empty() || *end != '\0' || out.log_max_size < 0) {
        problem = "--log-max-size wants a byte count, got '" + value + "'";
        return false;
      }
    } else if (take("--log-max-files")) {
      char* end = nullptr;
      long n = std::strtol(value.c_str(), &end, 10);
      if (value.empty() || *end != '\0' || n < 1 || n > 1000) {
        problem = "--log-max-files wants a count from 1 to 1000, got '" + value + "'";
        return false;
      }
      out.log_max_files = static_cast<int>(n);
    } else if (take("--exit-file")) {
      out.exit_file = value;
    } else if (take("--detach-keys")) {
      if (!parse_detach_keys_hex(value, out.detach_keys)) {
        problem = "--detach-keys wants bytes in hex, got '" + value + "'";
        return false;
      }
    } else if (a == "--attach-wait") {
      out.attach_wait = true;
    } else if (a == "--open-stdin") {
      out.open_stdin = true;
    } else if (a == "--stdin-once") {
      out.stdin_once = true;
    } else if (a == "--foreground") {
      out.foreground = true;
    } else if (take("--exit-command")) {
      out.exit_command.push_back(value);
    } else {
      problem = "unknown argument '" + a + "'";
      return false;
    }
  }
  if (out.config_path.empty() || out.result_fd < 0) {
    problem = "usage: sandbox-monitor run --config PATH --result-fd N";
    return false;
  }
  return true;
}

// Straight into the string, sized by fstat: a stack buffer this big would stay resident in
// the monitor for the container's whole life.
int read_file(const std::string& path, std::string& out, Error& err) {
  unique_fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd) return err.sys("open " + path);
  struct stat st {};
  if (::fstat(fd.get(), &st) < 0) return err.sys("stat " + path);
  out.resize(static_cast<size_t>(st.st_size) + 1);  // + 1: a file that grew is read to its end
  size_t have = 0;
  for (;;) {
    if (have == out.size()) out.resize(out.size() * 2);
    ssize_t n = ::read(fd.get(), out.data() + have, out.size() - have);
    if (n == 0) break;
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return err.sys("read " + path);
    have += static_cast<size_t>(n);
  }
  out.resize(have);
  return 0;
}

// {"exitCode":N,"signal":S,"finishedAt":"...","startedAt":"..."}: how the run ended. Written by write_json_file
// (temp + rename, not fsynced like the container's other state files, src/state/atomic.ts: a
// foreground run waits for this monitor to exit, and an fsync is 1-10 ms of that).
json::Value exit_record(const ExitInfo& info) {
  json::Value v = json::Value::object();
  v.set("exitCode", json::Value::number(info.exit_code));
  v.set("signal", json::Value::number(info.signal));
  v.set("finishedAt", json::Value::string(timestamp_now()));
  if (!info.started_at.empty()) v.set("startedAt", json::Value::string(info.started_at));
  return v;
}

// Temp + rename so a reader never sees half of it. The exit file, not the CLI, is the truth
// about how a detached container ended.
void write_json_file(const std::string& path, const json::Value& v) {
  if (path.empty()) return;
  const std::string text = v.dump() + "\n";
  const std::string tmp = path + ".tmp." + std::to_string(::getpid());
  unique_fd fd(::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0600));
  if (!fd) return;
  bool ok = ::write(fd.get(), text.data(), text.size()) == static_cast<ssize_t>(text.size());
  fd.reset();
  if (!ok || ::rename(tmp.c_str(), path.c_str()) < 0) ::unlink(tmp.c_str());
}

// Issue 7: after the init is gone, keep the OOM verdict (cgroup.json) and remove the cgroup.
void finish_cgroup(const RuntimeConfig& config) {
  if (config.cgroup.manager.empty()) return;
  std::string leaf = recorded_cgroup(config.state_dir);
  Error ignored;  // best effort: the container's own result is what the user needs
  if (!leaf.empty()) record_cgroup(config.state_dir, leaf, cgroup_oom_killed(leaf), ignored);
  remove_cgroup(config.cgroup, leaf);
}

// Replace this monitor with the exit command. Its signals are unblocked first: a blocked mask
// survives exec, and the CLI must be killable as usual.
void exec_exit_command(const std::vector<std::string>& command) {
  std::vector<char*> argv;
  for (const auto& a : command) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  sigset_t none;
  sigemptyset(&none);
  ::sigprocmask(SIG_SETMASK, &none, nullptr);
  ::signal(SIGPIPE, SIG_DFL);
  ::execv(argv[0], argv.data());
}

int fail(int result_fd, const char* step, const Error& err) {
  protocol::send(result_fd, protocol::error(step, err.errnum, err.message));
  return 1;
}

}  // namespace

int run_main(int argc, char** argv) {
  RunArgs args;
  std::string problem;
  if (!parse_run_args(argc, argv, args, problem)) {
    std::fprintf(stderr, "sandbox-monitor run: %s\n", problem.c_str());
    return 2;
  }
  // The result fd is ours alone: the id-map helpers and the container must not inherit it.
  if (::fcntl(args.result_fd, F_SETFD, FD_CLOEXEC) < 0) {
    std::fprintf(stderr, "sandbox-monitor run: --result-fd %d: %s\n", args.result_fd,
                 std::strerror(errno));
    return 2;
  }
  const int out = args.result_fd;

  Error err;
  std::string text;
  RuntimeConfig config;
  if (read_file(args.config_path, text, err) < 0 || !parse_runtime_config(text, config, err))
    return fail(out, "config", err);

  // Signals are taken over before the clone: from here on a Ctrl-C is an event for the loop,
  // never the sudden death of a monitor whose container would be left behind.
  unique_fd signals = take_over_signals(err);
  if (!signals) return fail(out, "clone", err);

  // run -d, and a logged foreground run (--foreground: also on to our stdout/stderr): the
  // container writes into pipes the loop drains into the log. Its stdin stays ours (/dev/null
  // for a detached monitor, the caller's with a foreground run -i).
  LogWriter log;
  OutputRelay relay;
  unique_fd out_w, err_w;
  if (!args.log_path.empty()) {
    if (log.open(args.log_path, static_cast<off_t>(args.log_max_size), args.log_max_files, err) < 0) return fail(out, "config", err);
    int p1[2], p2[2];
    if (::pipe2(p1, O_CLOEXEC) < 0) return err.sys("pipe for the container's stdout"), fail(out, "clone", err);
    relay.out.reset(p1[0]);
    out_w.reset(p1[1]);
    if (::pipe2(p2, O_CLOEXEC) < 0) return err.sys("pipe for the container's stderr"), fail(out, "clone", err);
    relay.err.reset(p2[0]);
    err_w.reset(p2[1]);
    relay.log = &log;
  }
  // Healthchecks: the runtime config's sandbox.healthcheck (from --health-* or the image).
  json::Value config_json;
  Error ignored;
  HealthSpec health_spec;
  std::unique_ptr<HealthChecker> health;
  if (json::parse(text, config_json, ignored) && parse_health_spec(config_json, health_spec)) {
    health = std::make_unique<HealthChecker>(std::move(health_spec), args.config_path,
                                             config.state_dir + "/health.json");
    relay.health = health.get();
  }
  // What the end of the run needs from the config text is taken now; the text and its parse
  // tree (tens of KB with the seccomp profile) are freed before the container starts, so the
  // monitor doesn't keep them resident for the container's whole life (trim.cc returns them).
  const RestartPolicy policy = parse_restart_policy(config_json);
  config_json = json::Value();
  std::string().swap(text);
  relay.tee = args.foreground;
  // -i without -t, detached: the container's stdin is a pipe whose write end we keep, so it
  // stays open (docker's OpenStdin) and attach clients can feed it. With -t, keys go to the pty.
  unique_fd in_r;
  if (args.open_stdin && !config.terminal) {
    int p0[2];
    if (::pipe2(p0, O_CLOEXEC) < 0) return err.sys("pipe for the container's stdin"), fail(out, "clone", err);
    in_r.reset(p0[0]);
    relay.in.reset(p0[1]);
    relay.stdin_once = args.stdin_once;
  }
  const int child_stdio[3] = {in_r ? in_r.get() : -1, out_w ? out_w.get() : -1, err_w ? err_w.get() : -1};

  // Network (issue 6): published ports are bound before the clone, so a port in use fails
  // the run before any container exists.
  net::NetworkHelpers network;
  if (net::prepare_network(config.network, config.state_dir, network, err) < 0)
    return fail(out, "network", err);

  // run -d (and run -it, which can be detached from): `sandbox attach` connects here. Without
  // it the container runs on, unattachable, so a failure is not the run's failure. Open before
  // the init exists, so `start -a` can be connected before the command's first output.
  AttachPoint attach;
  const bool detachable = config.terminal && !args.detach_keys.empty();
  const bool detached_run = !args.log_path.empty() && !args.foreground;
  if ((detached_run || detachable) && attach.open(config.state_dir, ignored) == 0) relay.attach = &attach;
  if (detachable) relay.detach_keys.keys = args.detach_keys;

  InitProcess init;
  if (spawn_init(config, init, err, child_stdio) < 0) return fail(out, "clone", err);
  // The init has its own copy of what it applies: the monitor (and the helpers it forks) needn't
  // keep that resident for the container's life (trim.cc returns the heap it held).
  config.args = {};
  config.env = {};
  config.mounts = {};
  config.masked_paths = {};
  config.readonly_paths = {};
  config.seccomp = {};
  // Only the container holds the write ends now: its exit is the pipes' EOF.
  out_w.reset();
  err_w.reset();
  in_r.reset();

  const char* step = "idmap";
  if (prepare_init(config, init, step, err) < 0) {
    // The init is still blocked before any mount: killing it leaves nothing behind (its
    // namespaces die with it).
    abandon_init(init);
    finish_cgroup(config);  // placement may have happened before the failing step
    remove_pid_file(config.pid_file);
    return fail(out, step, err);
  }
  // start -a: nothing of the command has run yet; its client connects first (not on a
  // --restart's re-exec: nobody is coming then). A client that never comes costs 10 s, no more.
  if (args.attach_wait && relay.attach && restart_count() == 0) attach.wait_client(10000);
  if (release_init(init, err) < 0) {
    abandon_init(init);
    finish_cgroup(config);
    remove_pid_file(config.pid_file);
    return fail(out, "sync", err);
  }
  // The init creates its tap device first thing after release; the port forwarder is forked
  // here, and the default network (libslirp) is served by the supervisor's loop from now on.
  if (net::start_network(config.network, init.sync.get(), init.pidfd.get(), network, err) < 0) {
    abandon_init(init);
    finish_cgroup(config);
    net::stop_network(network);
    remove_pid_file(config.pid_file);
    return fail(out, "network", err);
  }
  relay.network = network.slirp.get();

  // -t: the init sends the pty master after pivot_root (init/setup.cc); nothing of the
  // container has run yet, so none of its output is missed.
  if (config.terminal && receive_terminal(init.sync.get(), relay.pty, err) < 0) {
    abandon_init(init);
    finish_cgroup(config);
    net::stop_network(network);
    remove_pid_file(config.pid_file);
    return fail(out, "terminal", err);
  }

  ExitInfo info;
  int status = supervise(init, signals.get(), out, relay, info);
  // The init is reaped, its mount namespace and the FUSE rootfs with it: the server is leaving.
  fuse::reap_server(init.fuse_server);
  // The container is gone: so are its network helpers, and its published ports are free.
  net::stop_network(network);
  // The OOM verdict is read from the container's cgroup before the cgroup is removed, and
  // recorded before the exit file: whoever sees the exit code also finds OOMKilled.
  finish_cgroup(config);
  remove_pid_file(config.pid_file);
  // The attached client sees EOF: the container is gone.
  attach = AttachPoint();
  // --restart: a fresh run of this monitor, unless the user stopped the container.
  const std::string stop_marker = config.state_dir + "/stop-requested";
  if (info.started && should_restart(policy, info.exit_code, restart_count(), ::access(stop_marker.c_str(), F_OK) == 0)) {
    relay = OutputRelay();  // our ends of the old pipes; the new run makes its own
    // docker's RestartCount and the ended run's code, for inspect and ps while we back off.
    json::Value restarting = exit_record(info);
    restarting.set("restartCount", json::Value::number(restart_count() + 1));
    write_json_file(config.state_dir + "/restart.json", restarting);
    net::reap_network(network);
    restart_monitor(argv, out, stop_marker);
  }
  if (info.started) write_json_file(args.exit_file, exit_record(info));
  // run -d --rm (or a detached run -it --rm): no CLI waits for this container, so its removal
  // is ours to start, as conmon's --exit-command does: the CLI's own `rm` path, exec'd in our
  // place once the exit file is there (so `wait` still reads the code).
  if (info.started && !args.exit_command.empty() && (detached_run || relay.detached))
    exec_exit_command(args.exit_command);
  return status;
}

}  // namespace sandbox
