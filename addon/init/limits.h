// process.rlimits, applied in the init so they are inherited through execve.
#pragma once
#include <vector>

#include "init/config.h"
#include "sandbox/error.h"

namespace sandbox {

int apply_rlimits(const std::vector<Rlimit>& limits, Error& err);

}  // namespace sandbox
