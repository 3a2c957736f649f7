// --sysctl: the container's namespaced kernel settings, written under its own /proc/sys.
#pragma once
#include <string>
#include <utility>
#include <vector>

#include "sandbox/error.h"

namespace sandbox {

// Write each value to proc/sys/<name with dots as slashes>, resolved inside root_fd (the
// mounted rootfs, whose /proc is the container's). Only namespaced names reach here (the CLI
// refuses the rest), so each write changes the container's namespace, never the host.
int write_sysctls(const std::vector<std::pair<std::string, std::string>>& sysctls, int root_fd, Error& err);

}  // namespace sandbox
