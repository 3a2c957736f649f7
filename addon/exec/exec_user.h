// `exec -u USER[:GROUP]`: names resolved in the container's /etc/passwd and /etc/group (we are
// inside its mount namespace when this runs), numbers taken as they are.
#pragma once
#include <sys/types.h>

#include <string>
#include <vector>

#include "sandbox/error.h"

namespace sandbox {

struct ExecUser {
  uid_t uid = 0;
  gid_t gid = 0;
  std::vector<gid_t> groups;
};

// Resolve `spec` (uid, name, uid:gid, name:group) into `out`.
int resolve_exec_user(const std::string& spec, ExecUser& out, Error& err);

}  // namespace sandbox
