// The last step: find the user's command the way docker does and execve it.
#pragma once
#include <string>
#include <vector>

namespace sandbox {

// The PATH to search: process.env's PATH, or docker's default when the env has none.
std::string path_from_env(const std::vector<std::string>& env);

// Execute args[0] with exactly `env`. args[0] with a '/' is used as is; otherwise each PATH
// directory is tried in order, like execvp but with the container's PATH and without execvp's
// "run it with /bin/sh" fallback (docker reports ENOEXEC instead). Returns only on failure,
// with the errno to report: EACCES if some candidate existed but couldn't be run, else the
// error of the last attempt (ENOENT when nothing was found).
int exec_command(const std::vector<std::string>& args, const std::vector<std::string>& env);

// 127 for "not found" (ENOENT, ENOTDIR), 126 for everything else: docker's and the shell's rule.
int exec_failure_status(int errnum);

}  // namespace sandbox
