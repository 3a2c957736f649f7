// The capability sets of process.capabilities, inside the user namespace.
#pragma once
#include "init/config.h"
#include "sandbox/error.h"

namespace sandbox {

// Drop from the bounding set every capability the kernel knows (not only the ones our table
// names) that is not in `keep`. Needs CAP_SETPCAP in the effective set: call before switch_user.
int drop_bounding_set(CapSet keep, Error& err);

// Set permitted, effective and inheritable exactly, then the ambient set (cleared first).
// Call after switch_user, which keeps the permitted set across the uid change.
int apply_capabilities(const Capabilities& caps, Error& err);

}  // namespace sandbox
