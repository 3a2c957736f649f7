// The command line of the unpack, rmtree and probe modes: --uidmap MAP --gidmap MAP,
// --scratch DIR (probe), then positional paths. Both "--opt value" and "--opt=value".
#pragma once
#include <string>
#include <vector>

#include "sandbox/error.h"
#include "sandbox/idmap.h"

namespace sandbox::unpack {

struct ModeArgs {
  IdMap uids, gids;
  bool have_maps = false;
  std::string scratch;
  std::vector<std::string> paths;
};

// argv[0] is the mode name. `allow_scratch` accepts --scratch; maps are required unless
// `maps_optional`.
bool parse_mode_args(int argc, char** argv, bool allow_scratch, bool maps_optional, ModeArgs& out, Error& err);

}  // namespace sandbox::unpack
