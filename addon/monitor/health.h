// Healthchecks run by the monitor itself (no timers elsewhere): every interval (start-interval
// during the start period) the monitor starts `sandbox-monitor exec` on itself with the test
// command, so the check joins the container's namespaces with its capabilities and seccomp,
// exactly like `sandbox exec`. Its combined output (first 4 KiB, as docker keeps) and exit code
// become a result; the status and the last five results go to health.json (temp + rename),
// in docker's State.Health shape, for ps and inspect.
#pragma once
#include <poll.h>
#include <sys/types.h>

#include <cstdint>
#include <deque>
#include <string>
#include <vector>

#include "sandbox/json.h"
#include "sandbox/unique_fd.h"

namespace sandbox {

struct HealthSpec {
  std::vector<std::string> test;  // argv to exec in the container (CMD-SHELL already as sh -c)
  int64_t interval_ms = 30000, timeout_ms = 30000, start_period_ms = 0, start_interval_ms = 5000;
  int retries = 3;
};

// sandbox.healthcheck from the runtime config; false when absent or disabled.
bool parse_health_spec(const json::Value& config, HealthSpec& out);

class HealthChecker {
 public:
  HealthChecker(HealthSpec spec, std::string config_path, std::string state_path)
      : spec_(std::move(spec)), config_path_(std::move(config_path)), state_path_(std::move(state_path)) {}

  // The container started (pid of its init): status "starting", first check after an interval.
  void start(pid_t init_pid);
  // The container ended: stop checking (kill a running check).
  void stop();
  // Milliseconds until the loop must call tick() (-1: never).
  int timeout_ms() const;
  // The two fds to watch while a check runs (its output pipe, its pidfd); -1 when idle.
  void fill(pollfd& out, pollfd& done) const;
  // Call after poll with the two pollfds filled above, and on every wake-up.
  void tick(const pollfd& out, const pollfd& done);

 private:
  void launch();
  void finish(int exit_code);
  void write_state() const;

  HealthSpec spec_;
  std::string config_path_, state_path_;
  pid_t init_pid_ = -1;
  bool active_ = false;
  int64_t started_ms_ = 0;   // container start (monotonic)
  int64_t next_ms_ = 0;      // next check due (monotonic)
  // the running check
  pid_t child_ = -1;
  unique_fd out_, pidfd_;
  int64_t deadline_ms_ = 0;
  std::string output_, check_start_;
  // docker's State.Health
  std::string status_ = "starting";
  int failing_streak_ = 0;
  struct Result {
    std::string start, end, output;
    int exit_code;
  };
  std::deque<Result> log_;
};

}  // namespace sandbox
