// `sandbox-monitor run --config PATH --result-fd N`: one foreground container, from config to
// exit code. The steps inside the container are in init/setup.cc; this is the outside half.
#include <fcntl.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

#include "init/config.h"
#include "monitor/modes.h"
#include "monitor/pid_file.h"
#include "monitor/signals.h"
#include "monitor/spawn.h"
#include "monitor/supervise.h"
#include "sandbox/protocol.h"
#include "sandbox/unique_fd.h"

namespace sandbox {
namespace {

struct RunArgs {
  std::string config_path;
  int result_fd = -1;
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

int read_file(const std::string& path, std::string& out, Error& err) {
  unique_fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd) return err.sys("open " + path);
  char buf[65536];
  for (;;) {
    ssize_t n = ::read(fd.get(), buf, sizeof buf);
    if (n == 0) return 0;
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return err.sys("read " + path);
    out.append(buf, static_cast<size_t>(n));
  }
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

  InitProcess init;
  if (spawn_init(config, init, err) < 0) return fail(out, "clone", err);

  const char* step = "idmap";
  if (prepare_init(config, init, step, err) < 0) {
    // The init is still blocked before any mount: killing it leaves nothing behind (its
    // namespaces die with it).
    abandon_init(init);
    remove_pid_file(config.pid_file);
    return fail(out, step, err);
  }
  if (release_init(init, err) < 0) {
    abandon_init(init);
    remove_pid_file(config.pid_file);
    return fail(out, "sync", err);
  }

  int status = supervise(init, signals.get(), out);
  remove_pid_file(config.pid_file);
  return status;
}

}  // namespace sandbox
