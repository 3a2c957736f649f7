// --restart, applied by the monitor itself when the container's command exits (no daemon).
// A restart re-executes this monitor with the same arguments, so every per-run step (network,
// cgroup, FUSE rootfs, log pipes, healthcheck) is set up again by the one code path that set it
// up the first time. `stop`, `kill` and `rm` write <state>/stop-requested first: a container
// stopped by its user is not restarted, whatever the policy (docker's rule).
#pragma once
#include <string>

#include "sandbox/json.h"

namespace sandbox {

struct RestartPolicy {
  std::string name = "no";  // no, on-failure, always, unless-stopped
  int max_retries = 0;      // on-failure: 0 = no limit
};

RestartPolicy parse_restart_policy(const json::Value& config);

// Restart after an exit with `exit_code`, having restarted `count` times already (pure).
bool should_restart(const RestartPolicy& p, int exit_code, int count, bool stop_requested);

// docker's back-off before restart number `count` (0-based): 100 ms doubling, at most 1 min.
int restart_delay_ms(int count);

// The number of restarts so far (SANDBOX_RESTART_COUNT, set by restart_monitor).
int restart_count();

// Wait the back-off, then exec this monitor again (`argv` as main got it). Returns only when the
// exec failed or a stop was requested during the wait.
void restart_monitor(char** argv, int result_fd, const std::string& stop_marker);

}  // namespace sandbox
