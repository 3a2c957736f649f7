// The one native error convention (after crun's design-docs/error_handling.md):
// a fallible function returns int (< 0 on failure) or bool and fills an Error; callers add
// context on the way up with err.wrap("what we were doing"). No exceptions anywhere native.
#pragma once
#include <cerrno>
#include <cstring>
#include <string>

namespace sandbox {

struct Error {
  int errnum = 0;          // errno of the root cause, 0 when not a syscall failure
  std::string message;     // "context: context: cause"

  bool ok() const { return message.empty(); }

  // Record a failed syscall: message becomes "what: strerror(errno)".
  int sys(const std::string& what, int e = errno) {
    errnum = e;
    message = what + ": " + std::strerror(e);
    return -1;
  }
  // Record a failure that is not a syscall's.
  int fail(const std::string& what, int e = 0) {
    errnum = e;
    message = what;
    return -1;
  }
  // Prefix context while propagating.
  int wrap(const std::string& context) {
    message = context + ": " + message;
    return -1;
  }
};

}  // namespace sandbox
