// sandbox-monitor: one executable, several modes (docs/native-interface.md).
#include <fcntl.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>

#include "monitor/modes.h"

namespace {

using ModeMain = int (*)(int, char**);

struct Mode {
  const char* name;
  ModeMain main;
  bool hidden;
};

void usage() {
  std::fputs(
      "usage: sandbox-monitor run --config PATH --result-fd N\n"
      "       sandbox-monitor unpack --uidmap MAP --gidmap MAP DEST   (tar on stdin)\n"
      "       sandbox-monitor rmtree --uidmap MAP --gidmap MAP PATH...\n"
      "       sandbox-monitor vfs-copy --uidmap MAP --gidmap MAP [--shift-uids S --shift-gids S]\n"
      "                                [--subdir PATH] DEST LAYER...\n"
      "       sandbox-monitor shift-copy --uidmap MAP --gidmap MAP --shift-uids S --shift-gids S DEST SRC\n"
      "       sandbox-monitor probe [--uidmap MAP --gidmap MAP] [--scratch DIR]\n"
      "       sandbox-monitor exec --config PATH --pid PID --result-fd N [--user U] [--cwd D]\n"
      "                            [--env K=V]... [--privileged] -- CMD [ARG...]\n"
      "This is sandbox's internal helper; run containers with `sandbox run`.\n",
      stderr);
}

// Every fd we create later (sockets, pidfds) must land above 2: a closed stdin would otherwise
// hand fd 0 to the sync socket, and the container would get it as its stdin.
bool ensure_stdio_open() {
  for (int fd = 0; fd < 3; fd++) {
    if (::fcntl(fd, F_GETFD) >= 0) continue;
    int null = ::open("/dev/null", O_RDWR);
    if (null < 0) return false;
    if (null != fd) return false;  // lowest free fd: always `fd` here
  }
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  const Mode modes[] = {
      {"run", sandbox::run_main, false},
      {"unpack", unpack_main, false},
      {"rmtree", rmtree_main, false},
      {"vfs-copy", vfs_copy_main, false},
      {"shift-copy", shift_copy_main, false},
      {"probe", probe_main, false},
      {"exec", sandbox::exec_main, false},
      {"netswitch", sandbox::netswitch_main, false},
      {"netconnect", sandbox::netconnect_main, false},
      {"netdisconnect", sandbox::netdisconnect_main, false},
      {"protocol-selftest", sandbox::protocol_selftest_main, true},
  };
  if (!ensure_stdio_open()) {
    std::fputs("sandbox-monitor: cannot open /dev/null for closed stdio\n", stderr);
    return 1;
  }
  if (argc < 2) {
    usage();
    return 2;
  }
  for (const auto& m : modes) {
    if (std::strcmp(argv[1], m.name) != 0) continue;
    if (m.main == nullptr) {
      std::fprintf(stderr, "sandbox-monitor: mode '%s' is not built into this binary yet\n", m.name);
      return 2;
    }
    // The mode sees its own arguments as argv[1..], with argv[0] naming it.
    return m.main(argc - 1, argv + 1);
  }
  std::fprintf(stderr, "sandbox-monitor: unknown mode '%s'\n", argv[1]);
  usage();
  return 2;
}
