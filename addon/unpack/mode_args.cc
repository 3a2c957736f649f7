#include "unpack/mode_args.h"

#include <cerrno>
#include <string_view>

namespace sandbox::unpack {

bool parse_mode_args(int argc, char** argv, bool allow_scratch, bool maps_optional, ModeArgs& out, Error& err) {
  std::string uidmap, gidmap;
  bool have_uid = false, have_gid = false;
  for (int i = 1; i < argc; i++) {
    std::string_view a = argv[i];
    if (a == "--") {
      for (i++; i < argc; i++) out.paths.emplace_back(argv[i]);
      break;
    }
    if (a.substr(0, 2) != "--") {
      out.paths.emplace_back(a);
      continue;
    }
    std::string_view key = a, value;
    bool inline_value = false;
    if (size_t eq = a.find('='); eq != std::string_view::npos) {
      key = a.substr(0, eq);
      value = a.substr(eq + 1);
      inline_value = true;
    }
    bool known = key == "--uidmap" || key == "--gidmap" || (allow_scratch && key == "--scratch");
    if (!known) {
      err.fail("unknown option " + std::string(key) + " for " + argv[0], EINVAL);
      return false;
    }
    if (!inline_value) {
      if (i + 1 >= argc) {
        err.fail("option " + std::string(key) + " needs a value", EINVAL);
        return false;
      }
      value = argv[++i];
    }
    if (key == "--uidmap") {
      uidmap = value;
      have_uid = true;
    } else if (key == "--gidmap") {
      gidmap = value;
      have_gid = true;
    } else {
      out.scratch = value;
    }
  }
  if (have_uid != have_gid || (!have_uid && !maps_optional)) {
    err.fail(std::string(argv[0]) + " needs both --uidmap and --gidmap", EINVAL);
    return false;
  }
  out.have_maps = have_uid;
  if (out.have_maps) {
    if (!parse_id_map(uidmap, out.uids, err)) return err.wrap("--uidmap"), false;
    if (!parse_id_map(gidmap, out.gids, err)) return err.wrap("--gidmap"), false;
  }
  return true;
}

}  // namespace sandbox::unpack
