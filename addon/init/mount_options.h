// Mount option words ("nosuid", "mode=755", "rbind", ...) -> the flags and data string mount(2)
// wants. Pure: no syscalls, so the config parser can reject a bad option before anything runs.
#pragma once
#include <string>
#include <vector>

#include "sandbox/error.h"

namespace sandbox {

struct MountOptions {
  unsigned long flags = 0;        // MS_* to set (MS_RDONLY, MS_NOSUID, ...), never MS_BIND/MS_REC
  unsigned long propagation = 0;  // MS_PRIVATE/MS_SLAVE/MS_SHARED/MS_UNBINDABLE (| MS_REC), or 0
  bool bind = false;              // "bind" or "rbind"
  bool recursive = false;         // "rbind"
  bool atime_given = false;       // an atime word was given, so don't inherit the source's
  std::string data;               // everything the filesystem parses itself, comma-joined
};

// Unknown words are passed to the filesystem as data (like mount(8)); fails only on words that
// make no sense here (empty words, "remount").
bool parse_mount_options(const std::vector<std::string>& words, MountOptions& out, Error& err);

}  // namespace sandbox
