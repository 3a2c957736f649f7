#include "init/process.h"

#include <fcntl.h>
#include <unistd.h>

#include <climits>

#include "init/resolve_in_root.h"
#include "sandbox/unique_fd.h"

namespace sandbox {

int enter_cwd(const std::string& cwd, Error& err) {
  // Resolve and create through openat2 even though "/" is already the container's root: the
  // image (or -w) could name /proc/self/fd/N, a magic link to an fd the runtime still holds,
  // which is how CVE-2024-21626 walked out to the host. RESOLVE_NO_MAGICLINKS refuses that.
  unique_fd root(::open("/", O_PATH | O_DIRECTORY | O_CLOEXEC));
  if (!root) return err.sys("open /");
  unique_fd dir = create_in_root(root.get(), cwd, true, err);
  if (!dir) return err.wrap("working directory " + cwd);
  if (::fchdir(dir.get()) < 0) return err.sys("chdir " + cwd);
  // Belt and braces: a directory outside our root has no path from it, and getcwd says so
  // (ENOENT, or a "(unreachable)" prefix from old kernels).
  char buf[PATH_MAX];
  if (::getcwd(buf, sizeof buf) == nullptr) return err.sys("working directory " + cwd + " check");
  if (buf[0] != '/')
    return err.fail("working directory " + cwd + " is outside the container", EPERM);
  return 0;
}

int close_other_fds(int keep, Error& err) {
  // The monitor makes sure 0-2 are open before creating the socket, so `keep` is never stdio.
  if (keep < 3) return err.fail("sync socket is fd " + std::to_string(keep), EBADF);
  if (keep > 3 && ::close_range(3, static_cast<unsigned>(keep - 1), 0) < 0)
    return err.sys("close inherited fds");
  if (::close_range(static_cast<unsigned>(keep + 1), ~0U, 0) < 0)
    return err.sys("close inherited fds");
  return 0;
}

}  // namespace sandbox
