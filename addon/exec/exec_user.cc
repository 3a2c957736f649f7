#include "exec/exec_user.h"

#include <cstdlib>
#include <fstream>
#include <sstream>

namespace sandbox {
namespace {

bool all_digits(const std::string& s) {
  return !s.empty() && s.find_first_not_of("0123456789") == std::string::npos;
}

// Field `field` (0-based) of the line of `file` whose first field is `name` (or whose field 2,
// the id, is `name` when it is numeric).
bool lookup(const char* file, const std::string& name, std::vector<std::string>& fields) {
  std::ifstream in(file);
  std::string line;
  while (std::getline(in, line)) {
    std::vector<std::string> f;
    std::stringstream ss(line);
    std::string part;
    while (std::getline(ss, part, ':')) f.push_back(part);
    if (f.size() < 3) continue;
    if (f[0] == name || (all_digits(name) && f[2] == name)) {
      fields = f;
      return true;
    }
  }
  return false;
}

}  // namespace

int resolve_exec_user(const std::string& spec, ExecUser& out, Error& err) {
  const std::string user = spec.substr(0, spec.find(':'));
  const std::string group = spec.find(':') == std::string::npos ? "" : spec.substr(spec.find(':') + 1);
  std::vector<std::string> pw;
  const bool found = lookup("/etc/passwd", user, pw);
  if (found && pw.size() >= 4) {
    out.uid = static_cast<uid_t>(std::strtoul(pw[2].c_str(), nullptr, 10));
    out.gid = static_cast<gid_t>(std::strtoul(pw[3].c_str(), nullptr, 10));
  } else if (all_digits(user)) {
    out.uid = static_cast<uid_t>(std::strtoul(user.c_str(), nullptr, 10));
    out.gid = out.uid == 0 ? 0 : out.gid;
  } else {
    return err.fail("unable to find user " + user + ": no matching entries in passwd file");
  }
  out.groups.clear();
  if (!group.empty()) {
    std::vector<std::string> gr;
    if (lookup("/etc/group", group, gr)) out.gid = static_cast<gid_t>(std::strtoul(gr[2].c_str(), nullptr, 10));
    else if (all_digits(group)) out.gid = static_cast<gid_t>(std::strtoul(group.c_str(), nullptr, 10));
    else return err.fail("unable to find group " + group + ": no matching entries in group file");
  }
  return 0;
}

}  // namespace sandbox
