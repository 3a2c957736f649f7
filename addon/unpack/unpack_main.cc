#include "unpack/unpack_main.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <string>

#include "sandbox/protocol.h"
#include "sandbox/unique_fd.h"
#include "unpack/layer_root.h"
#include "unpack/hashing_input.h"
#include "unpack/layer_writer.h"
#include "unpack/mode_args.h"
#include "unpack/remove_tree.h"
#include "unpack/tar_reader.h"
#include "unpack/userns_child.h"

namespace sandbox::unpack {
namespace {

constexpr int kPipeSize = 1 << 20;       // the largest an unprivileged process may ask for
constexpr size_t kReadBuffer = 4 << 20;  // holds a pipe's worth several times over

int report(const char* step, const Error& err) {
  protocol::send(STDOUT_FILENO, protocol::error(step, err.errnum, err.message));
  return 1;
}

// The child's exit status is the mode's; a child killed by a signal could not say why.
int child_outcome(const char* step, int status) {
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  Error err;
  err.fail(std::string(step) + " process was killed by signal " + std::to_string(WTERMSIG(status)), EINTR);
  return report(step, err);
}

// Runs inside the user namespace, as its root.
int unpack_here(const std::string& dest, const IdMap& uids, const IdMap& gids) {
  // Modes come from the archive alone (implicit parent directories get exactly 0755).
  ::umask(0);
  Error err;
  LayerRoot root;
  if (root.open(dest, err) < 0) return report("unpack", err);
  HashingInput input;
  if (input.start(STDIN_FILENO, err) < 0) return report("unpack", err);
  tar::Reader reader(input.fd(), kReadBuffer);
  LayerWriter writer(root, uids, gids);
  for (;;) {
    tar::Entry e;
    int r = reader.next(e, err);
    if (r < 0) return report("unpack", err);
    if (r == 0) break;
    if (writer.apply(e, reader, err) < 0) return report("unpack", err);
  }
  if (writer.finish(err) < 0) return report("unpack", err);
  std::string digest;
  uint64_t size = 0;
  if (input.finish(digest, size, err) < 0) return report("unpack", err);
  // The digest and size of every byte of stdin: the CLI checks them against the diff id.
  json::Value verdict = protocol::unpacked(writer.entries(), writer.skipped());
  verdict.set("digest", json::Value::string(digest)).set("size", json::Value::number(static_cast<double>(size)));
  protocol::send(STDOUT_FILENO, verdict);
  return 0;
}

// A path rmtree may touch: absolute, and not the root or a "." / ".." trick.
bool removable(const std::string& p, std::string& dir, std::string& base, Error& err) {
  if (p.empty() || p[0] != '/') {
    err.fail("rmtree wants absolute paths, got '" + p + "'", EINVAL);
    return false;
  }
  std::string s = p;
  while (s.size() > 1 && s.back() == '/') s.pop_back();
  size_t slash = s.rfind('/');
  dir = slash == 0 ? "/" : s.substr(0, slash);
  base = s.substr(slash + 1);
  if (base.empty() || base == "." || base == "..") {
    err.fail("refusing to remove '" + p + "'", EINVAL);
    return false;
  }
  return true;
}

int rmtree_here(const std::vector<std::string>& paths) {
  Error err;
  for (const auto& p : paths) {
    std::string dir, base;
    removable(p, dir, base, err);
    // The parent is the CLI's own store path: following symlinks there is intended; the
    // tree below it is walked without following any.
    unique_fd parent(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (!parent) {
      if (errno == ENOENT) continue;
      err.sys("opening " + dir);
      return report("rmtree", err);
    }
    if (remove_tree_at(parent.get(), base.c_str(), err) < 0) {
      err.wrap("removing " + p);
      return report("rmtree", err);
    }
  }
  protocol::send(STDOUT_FILENO, protocol::removed(paths));
  return 0;
}

int unpack_mode(int argc, char** argv) {
  Error err;
  ModeArgs args;
  if (!parse_mode_args(argc, argv, false, false, args, err)) return report("unpack", err);
  if (args.paths.size() != 1) {
    err.fail("usage: sandbox-monitor unpack --uidmap MAP --gidmap MAP DEST < layer.tar", EINVAL);
    return report("unpack", err);
  }
  // A bigger pipe means fewer, larger reads of the stream the CLI feeds us; best effort.
  ::fcntl(STDIN_FILENO, F_SETPIPE_SZ, kPipeSize);
  UsernsOptions opts{args.uids, args.gids, 0};
  const std::string dest = args.paths[0];
  int status = run_in_userns(opts, [&] { return unpack_here(dest, args.uids, args.gids); }, err);
  if (status < 0) return report("unpack", err);
  return child_outcome("unpack", status);
}

int rmtree_mode(int argc, char** argv) {
  Error err;
  ModeArgs args;
  if (!parse_mode_args(argc, argv, false, false, args, err)) return report("rmtree", err);
  if (args.paths.empty()) {
    err.fail("usage: sandbox-monitor rmtree --uidmap MAP --gidmap MAP PATH...", EINVAL);
    return report("rmtree", err);
  }
  for (const auto& p : args.paths) {
    std::string dir, base;
    if (!removable(p, dir, base, err)) return report("rmtree", err);
  }
  UsernsOptions opts{args.uids, args.gids, 0};
  int status = run_in_userns(opts, [&] { return rmtree_here(args.paths); }, err);
  if (status < 0) return report("rmtree", err);
  return child_outcome("rmtree", status);
}

}  // namespace
}  // namespace sandbox::unpack

int unpack_main(int argc, char** argv) { return sandbox::unpack::unpack_mode(argc, argv); }
int rmtree_main(int argc, char** argv) { return sandbox::unpack::rmtree_mode(argc, argv); }
