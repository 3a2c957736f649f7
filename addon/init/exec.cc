#include "init/exec.h"

#include <unistd.h>

#include <cerrno>

namespace sandbox {
namespace {

std::vector<char*> to_argv(std::vector<std::string>& strings) {
  std::vector<char*> v;
  v.reserve(strings.size() + 1);
  for (auto& s : strings) v.push_back(s.data());
  v.push_back(nullptr);
  return v;
}

}  // namespace

std::string path_from_env(const std::vector<std::string>& env) {
  for (const auto& e : env)
    if (e.rfind("PATH=", 0) == 0) return e.substr(5);
  return "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
}

int exec_command(const std::vector<std::string>& args, const std::vector<std::string>& env) {
  std::vector<std::string> arg_copy = args, env_copy = env;
  std::vector<char*> argv = to_argv(arg_copy), envp = to_argv(env_copy);
  const std::string& name = args[0];

  if (name.find('/') != std::string::npos) {
    ::execve(name.c_str(), argv.data(), envp.data());
    return errno;
  }

  const std::string path = path_from_env(env);
  bool saw_eacces = false;
  size_t pos = 0;
  for (;;) {
    size_t end = path.find(':', pos);
    if (end == std::string::npos) end = path.size();
    std::string dir = path.substr(pos, end - pos);
    // An empty PATH element means the current directory, as in POSIX execvp.
    std::string candidate = (dir.empty() ? std::string(".") : dir) + "/" + name;
    ::execve(candidate.c_str(), argv.data(), envp.data());
    int e = errno;
    if (e == EACCES) {
      saw_eacces = true;  // keep looking: a later directory may hold a runnable one
    } else if (e != ENOENT && e != ENOTDIR && e != ESTALE && e != ENODEV && e != ETIMEDOUT) {
      return e;  // it exists but can't run (ENOEXEC, E2BIG, ...): report that, like execvp
    }
    if (end == path.size()) break;
    pos = end + 1;
  }
  return saw_eacces ? EACCES : ENOENT;
}

int exec_failure_status(int errnum) { return errnum == ENOENT || errnum == ENOTDIR ? 127 : 126; }

}  // namespace sandbox
