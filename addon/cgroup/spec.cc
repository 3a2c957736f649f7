#include "cgroup/cgroup.h"

namespace sandbox {
namespace {

bool bad(Error& err, const std::string& where, const std::string& what) {
  err.fail("sandbox.cgroup" + where + ": " + what, EINVAL);
  return false;
}

// A file name must stay inside the cgroup directory: no slashes, no dot-dot.
bool safe_name(const std::string& s) {
  return !s.empty() && s.find('/') == std::string::npos && s != "." && s != "..";
}

bool get_str(const json::Value& v, const std::string& where, std::string& out, Error& err) {
  if (!v.is_string()) return bad(err, where, "want a string");
  out = v.as_string();
  return true;
}

}  // namespace

bool parse_cgroup_spec(const json::Value& v, CgroupSpec& out, Error& err) {
  out = CgroupSpec{};
  if (v.is_null()) return true;
  if (!v.is_object()) return bad(err, "", "want an object");
  if (!get_str(v["manager"], ".manager", out.manager, err)) return false;
  if (out.manager == "systemd") {
    if (!get_str(v["unit"], ".unit", out.unit, err) || !get_str(v["slice"], ".slice", out.slice, err))
      return false;
    if (!safe_name(out.unit) || out.unit.size() < 7 || out.unit.substr(out.unit.size() - 6) != ".scope")
      return bad(err, ".unit", "want a name ending in .scope");
  } else if (out.manager == "cgroupfs") {
    if (!get_str(v["parent"], ".parent", out.parent, err) || !get_str(v["name"], ".name", out.name, err))
      return false;
    if (out.parent.rfind("/sys/fs/cgroup", 0) != 0) return bad(err, ".parent", "want a path under /sys/fs/cgroup");
    if (!safe_name(out.name)) return bad(err, ".name", "want a plain directory name");
    if (v["parentBase"].is_string()) {
      out.parent_base = v["parentBase"].as_string();
      const std::string& b = out.parent_base;
      if (out.parent.size() <= b.size() || out.parent.compare(0, b.size() + 1, b + "/") != 0 ||
          out.parent.find("/../") != std::string::npos || out.parent.find("/./") != std::string::npos ||
          out.parent.back() == '.')
        return bad(err, ".parentBase", "want a directory that .parent is strictly under");
    }
  } else {
    return bad(err, ".manager", "want \"systemd\" or \"cgroupfs\", got '" + out.manager + "'");
  }
  for (const auto& c : v["controllers"].items()) {
    if (!c.is_string() || !safe_name(c.as_string())) return bad(err, ".controllers", "want names");
    out.controllers.push_back(c.as_string());
  }
  const auto& ws = v["writes"].items();
  for (size_t i = 0; i < ws.size(); i++) {
    std::string at = ".writes[" + std::to_string(i) + "]";
    CgroupWrite w;
    if (!get_str(ws[i]["file"], at + ".file", w.file, err) ||
        !get_str(ws[i]["value"], at + ".value", w.value, err))
      return false;
    if (!safe_name(w.file)) return bad(err, at + ".file", "want a file name");
    const json::Value& fb = ws[i]["fallback"];
    if (fb.is_object()) {
      if (!get_str(fb["file"], at + ".fallback.file", w.fallback_file, err) ||
          !get_str(fb["value"], at + ".fallback.value", w.fallback_value, err))
        return false;
      if (!safe_name(w.fallback_file)) return bad(err, at + ".fallback.file", "want a file name");
    }
    out.writes.push_back(std::move(w));
  }
  return true;
}

}  // namespace sandbox
