#include "init/mount_options.h"

#include <sys/mount.h>

#include <string_view>

namespace sandbox {
namespace {

struct FlagWord {
  std::string_view word;
  unsigned long set;    // bits this word turns on
  unsigned long clear;  // bits this word turns off (its negation's)
  bool atime;           // the word is about access-time updates
};

// The words runc and crun accept, with the same meanings as mount(8).
constexpr FlagWord kFlagWords[] = {
    {"ro", MS_RDONLY, 0, false},          {"rw", 0, MS_RDONLY, false},
    {"nosuid", MS_NOSUID, 0, false},      {"suid", 0, MS_NOSUID, false},
    {"nodev", MS_NODEV, 0, false},        {"dev", 0, MS_NODEV, false},
    {"noexec", MS_NOEXEC, 0, false},      {"exec", 0, MS_NOEXEC, false},
    {"sync", MS_SYNCHRONOUS, 0, false},   {"async", 0, MS_SYNCHRONOUS, false},
    {"dirsync", MS_DIRSYNC, 0, false},    {"mand", MS_MANDLOCK, 0, false},
    {"nomand", 0, MS_MANDLOCK, false},    {"silent", MS_SILENT, 0, false},
    {"noatime", MS_NOATIME, 0, true},     {"atime", 0, MS_NOATIME, true},
    {"nodiratime", MS_NODIRATIME, 0, true}, {"diratime", 0, MS_NODIRATIME, true},
    {"relatime", MS_RELATIME, 0, true},   {"norelatime", 0, MS_RELATIME, true},
    {"strictatime", MS_STRICTATIME, 0, true}, {"nostrictatime", 0, MS_STRICTATIME, true},
};

struct PropagationWord {
  std::string_view word;
  unsigned long flags;
};

constexpr PropagationWord kPropagationWords[] = {
    {"private", MS_PRIVATE},   {"rprivate", MS_PRIVATE | MS_REC},
    {"shared", MS_SHARED},     {"rshared", MS_SHARED | MS_REC},
    {"slave", MS_SLAVE},       {"rslave", MS_SLAVE | MS_REC},
    {"unbindable", MS_UNBINDABLE}, {"runbindable", MS_UNBINDABLE | MS_REC},
};

}  // namespace

bool parse_mount_options(const std::vector<std::string>& words, MountOptions& out, Error& err) {
  out = MountOptions{};
  for (const auto& w : words) {
    if (w.empty()) {
      err.fail("empty mount option", EINVAL);
      return false;
    }
    if (w == "bind" || w == "rbind") {
      out.bind = true;
      out.recursive = out.recursive || w == "rbind";
      continue;
    }
    if (w == "remount") {
      err.fail("mount option 'remount' is not allowed in a container config", EINVAL);
      return false;
    }
    // OCI's "tmpcopyup" asks to copy the image's content into a tmpfs; we don't build it, and
    // accepting it silently would hide data, so refuse it clearly.
    if (w == "tmpcopyup") {
      err.fail("mount option 'tmpcopyup' is not supported", EINVAL);
      return false;
    }
    bool known = false;
    for (const auto& f : kFlagWords) {
      if (w != f.word) continue;
      out.flags = (out.flags & ~f.clear) | f.set;
      out.atime_given = out.atime_given || f.atime;
      known = true;
      break;
    }
    for (const auto& p : kPropagationWords) {
      if (known || w != p.word) continue;
      out.propagation = p.flags;
      known = true;
    }
    if (known) continue;
    if (!out.data.empty()) out.data += ',';
    out.data += w;
  }
  return true;
}

}  // namespace sandbox
