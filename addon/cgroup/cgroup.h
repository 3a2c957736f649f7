// Putting the container into a cgroup of its own, with its limits, from the monitor (step 2 of
// ARCHITECTURE.md section 3), and removing it when the container is gone. The limits arrive
// already mapped to cgroup v2 files (src/cgroups/files.ts): this side only places and writes.
#pragma once
#include <sys/types.h>

#include <string>
#include <vector>

#include "sandbox/error.h"
#include "sandbox/json.h"

namespace sandbox {

struct CgroupWrite {
  std::string file;   // e.g. "memory.max"
  std::string value;  // e.g. "33554432"
  std::string fallback_file;  // tried when `file` does not exist (io.bfq.weight -> io.weight)
  std::string fallback_value;
};

struct CgroupSpec {
  // "" (no cgroup of our own), "systemd" (a transient scope with Delegate=yes, asked of the
  // user's manager over D-Bus) or "cgroupfs" (a child of an already delegated cgroup).
  std::string manager;
  std::string unit;    // systemd: "sandbox-<id>.scope"
  std::string slice;   // systemd: the slice the scope goes in, e.g. "user.slice"
  std::string parent;  // cgroupfs: absolute path of the delegated parent directory
  std::string name;    // cgroupfs: the child's name
  // cgroupfs with --cgroup-parent: the delegated cgroup `parent` is under; the levels between
  // are created, each handing the controllers down. Empty: `parent` is that cgroup itself.
  std::string parent_base;
  std::vector<std::string> controllers;  // enabled for the container's leaf
  std::vector<CgroupWrite> writes;
};

// Parse config.json's `sandbox.cgroup` (absent or null: no placement). Pure.
bool parse_cgroup_spec(const json::Value& v, CgroupSpec& out, Error& err);

// Move `pid` (still blocked before its setup) into the container's cgroup and write every
// limit. On success `leaf` is the absolute path of the cgroup the container lives in.
int place_in_cgroup(const CgroupSpec& spec, pid_t pid, std::string& leaf, Error& err);

// After the container has exited: did the kernel OOM-kill anything in it? Then remove the
// leaf (and, for cgroupfs, our child). Best effort: the container's result is already known.
bool cgroup_oom_killed(const std::string& leaf);
void remove_cgroup(const CgroupSpec& spec, const std::string& leaf);

}  // namespace sandbox

namespace sandbox {

// `<state-dir>/cgroup.json`: {"path": LEAF, "oomKilled": BOOL}. Written at placement (so
// `sandbox stats` and `sandbox update` find the cgroup) and again at exit with the OOM verdict,
// which `sandbox run` copies into the container's state.json.
int record_cgroup(const std::string& state_dir, const std::string& leaf, bool oom_killed, Error& err);
std::string recorded_cgroup(const std::string& state_dir);

}  // namespace sandbox
