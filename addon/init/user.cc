#include "init/user.h"

#include <grp.h>
#include <sys/prctl.h>
#include <unistd.h>

namespace sandbox {

int switch_user(uid_t uid, gid_t gid, const std::vector<gid_t>& groups, Error& err) {
  // Groups first: setgroups needs CAP_SETGID, and so does setresgid; both need it before the
  // uid change can take the effective capabilities away.
  if (::setgroups(groups.size(), groups.data()) < 0) {
    // A single-id map is written with setgroups=deny (the kernel's rule for unprivileged
    // writers). With no groups requested that's fine: the process keeps none worth having.
    if (!(errno == EPERM && groups.empty())) {
      err.sys("setgroups");
      if (err.errnum == EPERM)
        err.message += " (this user has no subordinate gids, so a container can't have "
                       "additional groups; add a range to /etc/subgid)";
      return -1;
    }
  }
  if (::setresgid(gid, gid, gid) < 0) {
    err.sys("setresgid " + std::to_string(gid));
    if (err.errnum == EINVAL) err.message += " (gid not mapped in the container)";
    return -1;
  }
  // Leaving uid 0 clears the permitted set unless KEEPCAPS is on; the config may grant a
  // non-root user capabilities (ambient or --cap-add), so keep them and narrow them next.
  if (::prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) < 0) return err.sys("prctl(PR_SET_KEEPCAPS)");
  if (::setresuid(uid, uid, uid) < 0) {
    err.sys("setresuid " + std::to_string(uid));
    if (err.errnum == EINVAL) err.message += " (uid not mapped in the container)";
    return -1;
  }
  if (::prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0) < 0) return err.sys("prctl(PR_SET_KEEPCAPS)");
  return 0;
}

}  // namespace sandbox
