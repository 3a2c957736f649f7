// linux.seccomp of the runtime config: parsed once in the monitor (names checked before any
// process exists), compiled with libseccomp and loaded by the init at one of the two points of
// ARCHITECTURE.md section 3.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "sandbox/error.h"
#include "sandbox/json.h"

namespace sandbox {

struct SeccompArg {
  unsigned index = 0;
  uint64_t value = 0;
  uint64_t value_two = 0;
  int op = 0;  // enum scmp_compare
};

struct SeccompRule {
  std::vector<std::string> names;  // a name libseccomp doesn't know is skipped (newer syscall)
  uint32_t action = 0;             // SCMP_ACT_*, errno already folded in
  std::vector<SeccompArg> args;
};

struct SeccompSpec {
  bool enabled = false;  // false: no linux.seccomp (unconfined, --privileged)
  uint32_t default_action = 0;
  std::vector<uint32_t> architectures;  // SCMP_ARCH_* tokens besides the native one
  std::vector<SeccompRule> rules;
  // sandbox.seccompCache: where the compiled program for exactly these rules is kept (the file
  // name is a hash of them, chosen by the CLI). Empty: compile every time.
  std::string cache_path;
};

// A compiled filter: classic BPF instructions, as the kernel takes them.
struct SeccompProgram {
  std::vector<uint64_t> insns;  // struct sock_filter is 8 bytes
};

// Parse linux.seccomp (OCI runtime-spec form). A null value leaves `out.enabled` false.
bool parse_seccomp(const json::Value& v, SeccompSpec& out, Error& err);

// The program for `spec`: read from spec.cache_path when a valid one is there (compiling a
// docker-sized profile takes libseccomp tens of milliseconds, most of a container's start),
// else compiled and written there for the next container. Needs the host's paths: call before
// pivot_root (init) or setns (exec): inside the container the path could name its own file.
int compile_seccomp(const SeccompSpec& spec, SeccompProgram& out, Error& err);

// Install the program on the calling thread. Without no_new_privs the caller must hold
// CAP_SYS_ADMIN in its user namespace (the kernel's rule for an unprivileged filter).
int install_seccomp(const SeccompProgram& program, Error& err);

}  // namespace sandbox
