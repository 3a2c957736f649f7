// The modes of the sandbox-monitor executable (docs/native-interface.md). Each is an ordinary
// main(): it gets the arguments after the mode word and returns the process exit status.
#pragma once

// The unpack/rmtree/probe modes are written alongside in addon/unpack and addon/probe. Their
// own headers win once they exist; the declarations below are weak so the binary links (and
// says "not built yet") while they don't.
#if __has_include("unpack/unpack_main.h")
#include "unpack/unpack_main.h"
#endif
#if __has_include("unpack/vfs_copy.h")
#include "unpack/vfs_copy.h"
#endif
#if __has_include("unpack/shift_copy.h")
#include "unpack/shift_copy.h"
#endif
#if __has_include("probe/probe_main.h")
#include "probe/probe_main.h"
#endif

[[gnu::weak]] int unpack_main(int argc, char** argv);
[[gnu::weak]] int rmtree_main(int argc, char** argv);
[[gnu::weak]] int probe_main(int argc, char** argv);
[[gnu::weak]] int vfs_copy_main(int argc, char** argv);
[[gnu::weak]] int shift_copy_main(int argc, char** argv);

namespace sandbox {

// `run --config PATH --result-fd N`: the foreground container (monitor/run.cc).
int run_main(int argc, char** argv);
// `exec --config PATH --pid PID --result-fd N ... -- CMD`: a command inside a running container
// (addon/exec/exec_main.cc).
int exec_main(int argc, char** argv);
// `protocol-selftest`: one of each protocol message on stdout (monitor/selftest.cc).
int protocol_selftest_main(int argc, char** argv);
// `netswitch ...`: a user-defined network's switch, started by its first member (net/switch_main.cc).
int netswitch_main(int argc, char** argv);
// `netconnect` / `netdisconnect`: `sandbox network connect/disconnect` on a running container
// (net/connect_main.cc).
int netconnect_main(int argc, char** argv);
int netdisconnect_main(int argc, char** argv);

}  // namespace sandbox
