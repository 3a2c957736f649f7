// protocol-selftest: one of each message, with fixed values, so the TypeScript mirror
// (src/runtime/protocol.ts) can be round-trip tested against what the native side really writes.
#include <unistd.h>

#include "monitor/modes.h"
#include "sandbox/protocol.h"

namespace sandbox {

int protocol_selftest_main(int, char**) {
  namespace p = protocol;
  const json::Value messages[] = {
      p::started(42),
      p::exited(3, 0),
      p::exited(137, 9),
      p::detached(),
      p::exec_failed(2, "nosuchcmd"),
      p::error("mount", 1, "mount proc on /proc: Operation not permitted"),
      p::unpacked(7, {{"dev/sda", "device nodes cannot be created rootless"}}),
      p::removed({"/a", "/b"}),
  };
  for (const auto& m : messages)
    if (!p::send(STDOUT_FILENO, m)) return 1;
  return 0;
}

}  // namespace sandbox
