// Networking inside the container's own network namespace. For now only loopback; issue 6 adds
// the tap device and slirp.
#pragma once
#include "sandbox/error.h"

namespace sandbox {

// A new network namespace starts with "lo" down: bring it up, as every runtime does.
int bring_up_loopback(Error& err);

}  // namespace sandbox
