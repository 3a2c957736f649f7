// The runtime config (docs/native-interface.md) as a plain struct. Parsed once, in the monitor,
// before any process exists: every name (capability, rlimit, mount option, namespace) is
// checked here, so a bad config is a `config` error and never a half-built container.
#pragma once
#include <sys/types.h>

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "cgroup/cgroup.h"
#include "init/cap_names.h"
#include "init/mount_options.h"
#include "net/spec.h"
#include "sandbox/error.h"
#include "sandbox/idmap.h"
#include "security/seccomp.h"

namespace sandbox {

struct MountSpec {
  std::string destination;  // absolute, inside the container
  std::string type;         // "bind" or a filesystem type ("proc", "tmpfs", ...)
  std::string source;       // a host path for binds, else the fs source name
  MountOptions options;

  bool is_bind() const { return type == "bind" || options.bind; }
};

struct Rlimit {
  std::string name;  // "RLIMIT_NOFILE", kept for messages
  int resource;
  uint64_t soft;
  uint64_t hard;
};

struct Capabilities {
  CapSet bounding = 0, effective = 0, inheritable = 0, permitted = 0, ambient = 0;
};

struct RootfsSpec {
  // "overlay" (kernel), "fuse-overlay" (addon/fuse) or "vfs" (upperdir is a full copy of the
  // layers, made when the container was created: addon/unpack/vfs_copy.cc)
  std::string driver;
  std::vector<std::string> lowerdirs;  // top-most first, as overlay wants
  std::string upperdir;
  std::string workdir;
  // fuse-overlay only, both or neither: the maps the layers were unpacked with, when they differ
  // from linux.*Mappings (--userns=keep-id). The server shows each file's image owner anyway.
  IdMap storage_uid_mappings;
  IdMap storage_gid_mappings;
  // --userns=keep-id: files and dirs the CLI made (as itself, which the keep-id map shows as
  // created_uid:created_gid) that the image's root must own: the /etc files bound in, and "/"
  // (upperdir) over id-shifted layers. The init hands them to its root (rootfs.cc).
  long long created_uid = -1, created_gid = -1;
  std::vector<std::string> give_to_root;
  bool fuse() const { return driver == "fuse-overlay"; }
  bool vfs() const { return driver == "vfs"; }
};

struct RuntimeConfig {
  // process
  std::vector<std::string> args;
  std::vector<std::string> env;
  std::string cwd = "/";
  uid_t uid = 0;
  gid_t gid = 0;
  std::vector<gid_t> additional_gids;
  Capabilities caps;
  bool no_new_privileges = false;
  std::vector<Rlimit> rlimits;
  bool has_oom_score_adj = false;  // process.oomScoreAdj given
  int oom_score_adj = 0;
  // root, hostname, mounts
  std::string root_path;
  bool root_readonly = false;
  // process.terminal (-t): the command's stdio is a pty the init allocates (init/terminal.cc).
  bool terminal = false;
  std::string hostname;  // empty: leave the new UTS namespace's inherited name
  std::string domainname;  // --domainname; empty: leave it
  std::vector<MountSpec> mounts;
  // linux
  IdMap uid_mappings;
  IdMap gid_mappings;
  int clone_flags = 0;  // CLONE_NEW* from linux.namespaces
  // linux.namespaces entries with a "path" (--pid/--ipc container:X): joined before the init is
  // cloned, never cloned. The user namespace is then joined too: a namespace can only be
  // entered from the user namespace that owns it. [CLONE_NEW* flag, /proc/PID/ns/TYPE].
  std::vector<std::pair<int, std::string>> joins;
  int joined_flags = 0;
  // 'cgroup' in linux.namespaces: unshared by the init after cgroup placement, not at clone
  // (so it is kept out of clone_flags). Absent: --cgroupns=host.
  bool cgroup_namespace = false;
  // linux.sysctl: [name, value], name in dotted form (checked: [A-Za-z0-9_-] segments).
  std::vector<std::pair<std::string, std::string>> sysctls;
  std::vector<std::string> masked_paths;
  std::vector<std::string> readonly_paths;
  SeccompSpec seccomp;  // linux.seccomp; not enabled when absent
  // sandbox extension
  RootfsSpec rootfs;
  std::string state_dir;
  std::string pid_file;
  CgroupSpec cgroup;  // sandbox.cgroup: where the monitor places the container (issue 7)
  net::NetworkSpec network;  // sandbox.network (issue 6); absent: loopback only
};

// Parse and validate config.json's text. Pure (no syscalls).
bool parse_runtime_config(const std::string& text, RuntimeConfig& out, Error& err);

}  // namespace sandbox
