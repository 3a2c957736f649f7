// User-namespace id maps: parsing the "C:H:N,C:H:N" form the CLI passes, and writing them for
// a child process (newuidmap/newgidmap when the map has more than our own id, else the
// /proc files directly, which an unprivileged process may do for its own single id).
#pragma once
#include <sys/types.h>
#include <string>
#include <vector>
#include "sandbox/error.h"

namespace sandbox {

struct IdRange {
  unsigned long container_id;
  unsigned long host_id;
  unsigned long size;
};
using IdMap = std::vector<IdRange>;

// "0:1000:1,1:200000:65536" -> ranges. Fails on anything malformed or empty.
bool parse_id_map(const std::string& text, IdMap& out, Error& err);

// Write uid and gid maps for `pid` (which must already be in its new user namespace and
// waiting). Uses the setuid helpers when a map names ids other than our own; otherwise
// writes setgroups=deny + the single-id maps directly.
int write_id_maps(pid_t pid, const IdMap& uids, const IdMap& gids, Error& err);

}  // namespace sandbox
