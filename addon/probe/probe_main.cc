#include "probe/probe_main.h"

#include <fcntl.h>
#include <sched.h>
#include <stdlib.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>

#include "sandbox/json.h"
#include "sandbox/protocol.h"
#include "sandbox/unique_fd.h"
#include "unpack/mode_args.h"
#include "unpack/remove_tree.h"
#include "unpack/userns_child.h"

namespace sandbox::probe {
namespace {

using unpack::UsernsStage;

// Each check yields ok, or a reason a person can act on.
struct Check {
  bool ok = false;
  std::string error;
};

std::string read_small_file(const char* path) {
  unique_fd fd(::open(path, O_RDONLY | O_CLOEXEC));
  if (!fd) return "";
  char buf[256];
  ssize_t n = ::read(fd.get(), buf, sizeof buf - 1);
  return n > 0 ? std::string(buf, static_cast<size_t>(n)) : "";
}

Check open_device(const char* path, const char* fix) {
  unique_fd fd(::open(path, O_RDWR | O_CLOEXEC));
  if (fd) return {true, ""};
  return {false, std::string("cannot open ") + path + ": " + std::strerror(errno) + " (" + fix + ")"};
}

// newuidmap/newgidmap must exist and be able to act for us: setuid root, or file caps.
Check helper_ok(const char* name) {
  std::string path_env = ::getenv("PATH") ? ::getenv("PATH") : "";
  std::string dirs = path_env + ":/usr/bin:/usr/sbin:/bin:/sbin";
  size_t pos = 0;
  while (pos <= dirs.size()) {
    size_t colon = dirs.find(':', pos);
    if (colon == std::string::npos) colon = dirs.size();
    std::string dir = dirs.substr(pos, colon - pos);
    pos = colon + 1;
    if (dir.empty()) continue;
    std::string full = dir + "/" + name;
    struct stat st;
    if (::stat(full.c_str(), &st) < 0 || !S_ISREG(st.st_mode)) continue;
    if (st.st_uid == 0 && (st.st_mode & S_ISUID)) return {true, ""};
    if (::getxattr(full.c_str(), "security.capability", nullptr, 0) > 0) return {true, ""};
    return {false, full + " is neither setuid root nor given file capabilities (reinstall the uidmap package)"};
  }
  return {false, std::string(name) + " not found (install the uidmap package)"};
}

std::string overlay_hint(int e) {
  if (e == EPERM)
    return "the kernel refuses overlay mounts in a user namespace here (needs Linux 5.11+, "
           "and a filesystem that supports it; the FUSE overlay is used instead)";
  if (e == EINVAL)
    return "the kernel rejected the overlay options (userxattr needs Linux 5.11+, or the "
           "scratch directory's filesystem cannot hold an overlay upper dir)";
  if (e == ENODEV) return "the kernel has no overlay filesystem";
  return "kernel overlay mount failed";
}

// Inside the user+mount namespace: mount an overlay with userxattr on a scratch directory
// (which should be on the store's filesystem), then take it all down again. The reason for
// a failure goes to `report_fd`.
int overlay_here(const std::string& scratch, int report_fd) {
  std::string why;
  std::string tmpl = scratch + "/.sandbox-probe-XXXXXX";
  if (!::mkdtemp(tmpl.data())) {
    why = "cannot create a directory in " + scratch + ": " + std::strerror(errno);
  } else {
    unique_fd top(::open(tmpl.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    const char* dirs[] = {"l", "u", "w", "m"};
    for (const char* d : dirs)
      if (top && ::mkdirat(top.get(), d, 0700) < 0 && why.empty())
        why = std::string("mkdir in ") + tmpl + ": " + std::strerror(errno);
    // Relative paths keep the option string free of the scratch path's commas or colons.
    if (why.empty() && ::fchdir(top.get()) < 0) why = std::string("chdir: ") + std::strerror(errno);
    if (why.empty()) {
      if (::mount("overlay", "m", "overlay", 0, "lowerdir=l,upperdir=u,workdir=w,userxattr") < 0) {
        int e = errno;
        why = overlay_hint(e) + ": " + std::strerror(e);
      } else {
        ::umount2("m", MNT_DETACH);
      }
    }
    if (::chdir("/") < 0) {
      // Nothing depends on the cwd after this point.
    }
    std::string base = tmpl.substr(tmpl.rfind('/') + 1);
    unique_fd parent(::open(scratch.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    Error err;
    if (parent) unpack::remove_tree_at(parent.get(), base.c_str(), err);
  }
  if (!why.empty()) {
    ssize_t n = ::write(report_fd, why.data(), why.size());
    (void)n;
    return 1;
  }
  return 0;
}

struct NamespaceChecks {
  Check userns, subordinate_map, overlay;
};

// Runs the overlay check in a user namespace with the given maps; fills userns and the map
// result from how far the namespace setup got.
int overlay_in_userns(const std::string& scratch, const IdMap& uids, const IdMap& gids, Check& userns,
                      Check& map, Check& overlay) {
  int p[2];
  if (::pipe2(p, O_CLOEXEC) < 0) {
    overlay = {false, std::string("pipe: ") + std::strerror(errno)};
    return -1;
  }
  unique_fd r(p[0]), w(p[1]);
  const int wfd = w.get();
  Error err;
  UsernsStage stage = UsernsStage::None;
  unpack::UsernsOptions opts{uids, gids, CLONE_NEWNS};
  int status = unpack::run_in_userns(opts, [&] { return overlay_here(scratch, wfd); }, err, &stage);
  w.reset();
  if (status < 0) {
    if (stage == UsernsStage::Unshare || stage == UsernsStage::Fork) {
      userns = {false, err.message};
      map = {false, "no user namespace"};
      overlay = {false, "no user namespace"};
    } else {
      userns = {true, ""};
      map = {false, err.message};
      overlay = {false, "the id map could not be written"};
    }
    return -1;
  }
  userns = {true, ""};
  map = {true, ""};
  char buf[1024];
  ssize_t n = ::read(r.get(), buf, sizeof buf);
  if (WIFEXITED(status) && WEXITSTATUS(status) == 0) overlay = {true, ""};
  else overlay = {false, n > 0 ? std::string(buf, static_cast<size_t>(n)) : "the overlay check failed"};
  return 0;
}

NamespaceChecks namespace_checks(const unpack::ModeArgs& args, const std::string& scratch) {
  NamespaceChecks c;
  if (args.have_maps) {
    if (overlay_in_userns(scratch, args.uids, args.gids, c.userns, c.subordinate_map, c.overlay) == 0 ||
        !c.userns.ok)
      return c;
    // The subordinate map failed; overlay may still work with our own id alone.
    Check userns_again, self_map;
    overlay_in_userns(scratch, unpack::self_uid_map(), unpack::self_gid_map(), userns_again, self_map, c.overlay);
    return c;
  }
  Check ignored;
  overlay_in_userns(scratch, unpack::self_uid_map(), unpack::self_gid_map(), c.userns, ignored, c.overlay);
  c.subordinate_map = {false, "no --uidmap/--gidmap given"};
  return c;
}

void put(json::Value& out, const char* key, const Check& c, bool always_error = false) {
  out.set(key, json::Value::boolean(c.ok));
  if (!c.ok || always_error) out.set(std::string(key) + "Error", json::Value::string(c.error));
}

int probe_mode(int argc, char** argv) {
  Error err;
  unpack::ModeArgs args;
  if (!unpack::parse_mode_args(argc, argv, true, true, args, err)) {
    protocol::send(STDOUT_FILENO, protocol::error("probe", err.errnum, err.message));
    return 1;
  }
  std::string scratch = args.scratch;
  if (scratch.empty()) scratch = ::getenv("TMPDIR") && *::getenv("TMPDIR") ? ::getenv("TMPDIR") : "/tmp";

  json::Value out = json::Value::object();
  out.set("type", json::Value::string("probe"));
  struct utsname u;
  out.set("kernel", json::Value::string(::uname(&u) == 0 ? u.release : ""));
  std::string max = read_small_file("/proc/sys/user/max_user_namespaces");
  out.set("userNamespacesMax", json::Value::number(max.empty() ? -1 : std::strtod(max.c_str(), nullptr)));

  NamespaceChecks ns = namespace_checks(args, scratch);
  put(out, "userns", ns.userns);
  put(out, "subordinateMap", ns.subordinate_map);
  put(out, "overlay", ns.overlay, true);

  Check uid_helper = helper_ok("newuidmap");
  Check gid_helper = helper_ok("newgidmap");
  Check helpers = !uid_helper.ok ? uid_helper : gid_helper;
  put(out, "idmapHelpers", helpers);
  put(out, "fuse", open_device("/dev/fuse", "load the fuse module and make /dev/fuse mode 0666"));
  put(out, "tun", open_device("/dev/net/tun", "load the tun module and make /dev/net/tun mode 0666"));

  protocol::send(STDOUT_FILENO, out);
  return 0;
}

}  // namespace
}  // namespace sandbox::probe

int probe_main(int argc, char** argv) { return sandbox::probe::probe_mode(argc, argv); }
