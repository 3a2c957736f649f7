#include "monitor/pid_file.h"

#include <fcntl.h>
#include <unistd.h>

#include <cstdio>

#include "sandbox/unique_fd.h"

namespace sandbox {

int write_pid_file(const std::string& path, pid_t pid, Error& err) {
  // Same directory, so the rename is atomic; our pid in the name, so two monitors racing on a
  // misconfigured state dir don't share a temp file.
  const std::string tmp = path + ".tmp." + std::to_string(::getpid());
  const std::string text = std::to_string(pid);
  unique_fd fd(::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0600));
  if (!fd) return err.sys("create pid file " + tmp);
  if (::write(fd.get(), text.data(), text.size()) != static_cast<ssize_t>(text.size())) {
    err.sys("write pid file " + tmp);
    ::unlink(tmp.c_str());
    return -1;
  }
  fd.reset();
  if (::rename(tmp.c_str(), path.c_str()) < 0) {
    err.sys("rename pid file to " + path);
    ::unlink(tmp.c_str());
    return -1;
  }
  return 0;
}

void remove_pid_file(const std::string& path) { ::unlink(path.c_str()); }

}  // namespace sandbox
