// Becoming the container's user: supplementary groups, gid, uid.
#pragma once
#include <sys/types.h>

#include <vector>

#include "sandbox/error.h"

namespace sandbox {

// setgroups, setresgid, setresuid, keeping the permitted capabilities across a switch away
// from uid 0 (the capability step narrows them afterwards).
int switch_user(uid_t uid, gid_t gid, const std::vector<gid_t>& groups, Error& err);

}  // namespace sandbox
