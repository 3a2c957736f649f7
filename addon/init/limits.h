// process.rlimits, applied in the init so they are inherited through execve.
#pragma once
#include <vector>

#include "init/config.h"
#include "sandbox/error.h"

namespace sandbox {

int apply_rlimits(const std::vector<Rlimit>& limits, Error& err);

// process.oomScoreAdj, written to /proc/self/oom_score_adj (inherited through fork and execve).
int apply_oom_score_adj(int value, Error& err);

}  // namespace sandbox
