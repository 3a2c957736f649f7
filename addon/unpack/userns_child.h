// Running a function inside a fresh user namespace: the helper the unpack, rmtree and probe
// modes share. The id maps of a user namespace can only be written from outside it (by the
// setuid newuidmap/newgidmap for subordinate ids), so the work runs in a forked child that
// unshares and then waits on a pipe until its parent has written the maps.
#pragma once
#include <functional>
#include <string>

#include "sandbox/error.h"
#include "sandbox/idmap.h"

namespace sandbox::unpack {

// Where a run_in_userns failure happened, so a caller (probe) can tell "no user namespaces"
// from "the subordinate map could not be written".
enum class UsernsStage { None, Fork, Unshare, IdMap, SetIds };

struct UsernsOptions {
  IdMap uids;
  IdMap gids;
  int extra_flags = 0;  // e.g. CLONE_NEWNS, added to CLONE_NEWUSER
};

// Forks a child that unshares CLONE_NEWUSER|extra_flags, has its maps written by us, becomes
// uid/gid 0 of the namespace and returns fn()'s value as its exit status. stdin, stdout and
// stderr are inherited. Returns the child's wait status (see <sys/wait.h>), or -1 with err and
// *stage filled when the namespace could not be set up (the child is reaped either way).
// The caller must be single-threaded (unshare(CLONE_NEWUSER) requires it).
int run_in_userns(const UsernsOptions& opts, const std::function<int()>& fn, Error& err,
                  UsernsStage* stage = nullptr);

// A map of just the caller's own id (0 -> getuid()/getgid()): always writable without helpers.
IdMap self_uid_map();
IdMap self_gid_map();

// A one-line hint for why unshare(CLONE_NEWUSER) failed with errno e.
std::string userns_failure_hint(int e);

}  // namespace sandbox::unpack
