#include "init/sysctl.h"

#include <fcntl.h>
#include <unistd.h>

#include "init/resolve_in_root.h"
#include "sandbox/unique_fd.h"

namespace sandbox {

int write_sysctls(const std::vector<std::pair<std::string, std::string>>& sysctls, int root_fd, Error& err) {
  for (const auto& [name, value] : sysctls) {
    std::string path = "/proc/sys/" + name;
    for (size_t i = 10; i < path.size(); i++)
      if (path[i] == '.') path[i] = '/';
    unique_fd fd = open_in_root(root_fd, path, O_WRONLY | O_TRUNC, err);
    if (!fd) {
      if (err.errnum == ENOENT) return err.fail("sysctl '" + name + "' does not exist in this kernel", ENOENT);
      return err.wrap("set sysctl " + name);
    }
    // One write, as sysctl(8) does: the kernel parses the value from the start of the buffer.
    if (::write(fd.get(), value.data(), value.size()) != static_cast<ssize_t>(value.size()))
      return err.sys("set sysctl " + name + "=" + value);
  }
  return 0;
}

}  // namespace sandbox
