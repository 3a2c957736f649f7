#include "init/config.h"

#include <sched.h>
#include <sys/resource.h>

#include <cctype>
#include <cmath>
#include <string_view>

#include "sandbox/json.h"

namespace sandbox {
namespace {

using json::Value;

// Every failure names the JSON path, so a generator bug points at its field.
bool bad(Error& err, const std::string& where, const std::string& what) {
  err.fail(where + ": " + what, EINVAL);
  return false;
}

bool get_uint(const Value& v, const std::string& where, uint64_t max, uint64_t& out, Error& err) {
  if (!v.is_number()) return bad(err, where, "want a number");
  double d = v.as_number();
  if (d < 0 || d != std::floor(d) || d > static_cast<double>(max))
    return bad(err, where, "want an integer from 0 to " + std::to_string(max));
  out = static_cast<uint64_t>(d);
  return true;
}

bool get_string(const Value& v, const std::string& where, std::string& out, Error& err) {
  if (!v.is_string()) return bad(err, where, "want a string");
  out = v.as_string();
  return true;
}

bool get_strings(const Value& v, const std::string& where, std::vector<std::string>& out,
                 Error& err) {
  out.clear();
  if (v.is_null()) return true;
  if (!v.is_array()) return bad(err, where, "want an array of strings");
  for (size_t i = 0; i < v.items().size(); i++) {
    std::string s;
    if (!get_string(v.items()[i], where + "[" + std::to_string(i) + "]", s, err)) return false;
    out.push_back(std::move(s));
  }
  return true;
}

bool get_abs_path(const Value& v, const std::string& where, std::string& out, Error& err) {
  if (!get_string(v, where, out, err)) return false;
  if (out.empty() || out[0] != '/') return bad(err, where, "want an absolute path, got '" + out + "'");
  return true;
}

bool get_abs_paths(const Value& v, const std::string& where, std::vector<std::string>& out,
                   Error& err) {
  if (!get_strings(v, where, out, err)) return false;
  for (const auto& p : out)
    if (p.empty() || p[0] != '/') return bad(err, where, "want absolute paths, got '" + p + "'");
  return true;
}

bool get_cap_set(const Value& caps, const char* key, CapSet& out, Error& err) {
  std::vector<std::string> names;
  std::string where = std::string("process.capabilities.") + key;
  if (!get_strings(caps[key], where, names, err)) return false;
  out = 0;
  for (const auto& n : names) {
    int c = cap_from_name(n);
    if (c < 0) return bad(err, where, "unknown capability '" + n + "'");
    out |= CapSet{1} << c;
  }
  return true;
}

struct RlimitName {
  std::string_view name;
  int resource;
};
constexpr RlimitName kRlimits[] = {
    {"RLIMIT_AS", RLIMIT_AS},           {"RLIMIT_CORE", RLIMIT_CORE},
    {"RLIMIT_CPU", RLIMIT_CPU},         {"RLIMIT_DATA", RLIMIT_DATA},
    {"RLIMIT_FSIZE", RLIMIT_FSIZE},     {"RLIMIT_LOCKS", RLIMIT_LOCKS},
    {"RLIMIT_MEMLOCK", RLIMIT_MEMLOCK}, {"RLIMIT_MSGQUEUE", RLIMIT_MSGQUEUE},
    {"RLIMIT_NICE", RLIMIT_NICE},       {"RLIMIT_NOFILE", RLIMIT_NOFILE},
    {"RLIMIT_NPROC", RLIMIT_NPROC},     {"RLIMIT_RSS", RLIMIT_RSS},
    {"RLIMIT_RTPRIO", RLIMIT_RTPRIO},   {"RLIMIT_RTTIME", RLIMIT_RTTIME},
    {"RLIMIT_SIGPENDING", RLIMIT_SIGPENDING}, {"RLIMIT_STACK", RLIMIT_STACK},
};

// JSON numbers are doubles: RLIM_INFINITY (2^64-1) can't be written exactly, so any value at or
// above 2^53 means "unlimited", which is what a generator writing 18446744073709551615 meant.
bool get_rlimit_value(const Value& v, const std::string& where, uint64_t& out, Error& err) {
  if (v.is_number() && v.as_number() >= 9007199254740992.0) {
    out = RLIM_INFINITY;
    return true;
  }
  return get_uint(v, where, UINT64_MAX, out, err);
}

bool parse_process(const Value& p, RuntimeConfig& c, Error& err) {
  if (!p.is_object()) return bad(err, "process", "missing");
  c.terminal = p["terminal"].as_bool();
  if (!get_strings(p["args"], "process.args", c.args, err)) return false;
  if (c.args.empty() || c.args[0].empty()) return bad(err, "process.args", "no command to run");
  if (!get_strings(p["env"], "process.env", c.env, err)) return false;
  for (const auto& e : c.env)
    if (e.find('=') == std::string::npos || e[0] == '=')
      return bad(err, "process.env", "want NAME=VALUE, got '" + e + "'");
  if (p.has("cwd") && !get_abs_path(p["cwd"], "process.cwd", c.cwd, err)) return false;

  const Value& u = p["user"];
  uint64_t n = 0;
  // 2^32-1 is (uid_t)-1, "no change" to set*id(): never a real id.
  constexpr uint64_t kMaxId = 0xFFFFFFFEu;
  if (u.has("uid")) {
    if (!get_uint(u["uid"], "process.user.uid", kMaxId, n, err)) return false;
    c.uid = static_cast<uid_t>(n);
  }
  if (u.has("gid")) {
    if (!get_uint(u["gid"], "process.user.gid", kMaxId, n, err)) return false;
    c.gid = static_cast<gid_t>(n);
  }
  const auto& gids = u["additionalGids"].items();
  for (size_t i = 0; i < gids.size(); i++) {
    if (!get_uint(gids[i], "process.user.additionalGids[" + std::to_string(i) + "]", kMaxId, n, err))
      return false;
    c.additional_gids.push_back(static_cast<gid_t>(n));
  }

  const Value& caps = p["capabilities"];
  if (!get_cap_set(caps, "bounding", c.caps.bounding, err) ||
      !get_cap_set(caps, "effective", c.caps.effective, err) ||
      !get_cap_set(caps, "inheritable", c.caps.inheritable, err) ||
      !get_cap_set(caps, "permitted", c.caps.permitted, err) ||
      !get_cap_set(caps, "ambient", c.caps.ambient, err))
    return false;
  // The kernel enforces these subset rules too, but only after the user switch: catching them
  // here gives a config error instead of an EPERM from capset deep in the init.
  if (c.caps.effective & ~c.caps.permitted)
    return bad(err, "process.capabilities.effective", "must be a subset of permitted");
  if (c.caps.ambient & ~(c.caps.permitted & c.caps.inheritable))
    return bad(err, "process.capabilities.ambient", "must be in both permitted and inheritable");

  c.no_new_privileges = p["noNewPrivileges"].as_bool();

  const auto& rl = p["rlimits"].items();
  for (size_t i = 0; i < rl.size(); i++) {
    std::string where = "process.rlimits[" + std::to_string(i) + "]";
    Rlimit r{};
    if (!get_string(rl[i]["type"], where + ".type", r.name, err)) return false;
    r.resource = -1;
    for (const auto& k : kRlimits)
      if (k.name == r.name) r.resource = k.resource;
    if (r.resource < 0) return bad(err, where + ".type", "unknown rlimit '" + r.name + "'");
    if (!get_rlimit_value(rl[i]["soft"], where + ".soft", r.soft, err) ||
        !get_rlimit_value(rl[i]["hard"], where + ".hard", r.hard, err))
      return false;
    if (r.soft > r.hard) return bad(err, where, "soft limit above hard limit");
    c.rlimits.push_back(r);
  }

  if (p.has("oomScoreAdj")) {
    const Value& o = p["oomScoreAdj"];
    double v = o.is_number() ? o.as_number() : 9999;
    if (v < -1000 || v > 1000 || v != static_cast<int>(v))
      return bad(err, "process.oomScoreAdj", "want a whole number in -1000..1000");
    c.has_oom_score_adj = true;
    c.oom_score_adj = static_cast<int>(v);
  }
  return true;
}

bool parse_mounts(const Value& mounts, RuntimeConfig& c, Error& err) {
  if (!mounts.is_null() && !mounts.is_array()) return bad(err, "mounts", "want an array");
  for (size_t i = 0; i < mounts.items().size(); i++) {
    const Value& m = mounts.items()[i];
    std::string where = "mounts[" + std::to_string(i) + "]";
    MountSpec s;
    std::vector<std::string> words;
    if (!get_abs_path(m["destination"], where + ".destination", s.destination, err)) return false;
    if (m.has("type") && !get_string(m["type"], where + ".type", s.type, err)) return false;
    if (m.has("source") && !get_string(m["source"], where + ".source", s.source, err)) return false;
    if (!get_strings(m["options"], where + ".options", words, err)) return false;
    if (!parse_mount_options(words, s.options, err)) {
      err.wrap(where);
      return false;
    }
    if (s.type == "bind") s.options.bind = true;
    if (s.type.empty() && !s.options.bind) return bad(err, where + ".type", "missing");
    if (s.is_bind() && (s.source.empty() || s.source[0] != '/'))
      return bad(err, where + ".source", "a bind source must be an absolute host path");
    c.mounts.push_back(std::move(s));
  }
  return true;
}

bool parse_id_mappings(const Value& v, const std::string& where, IdMap& out, Error& err) {
  if (!v.is_array() || v.items().empty()) return bad(err, where, "want a non-empty array");
  for (size_t i = 0; i < v.items().size(); i++) {
    const Value& m = v.items()[i];
    std::string at = where + "[" + std::to_string(i) + "]";
    uint64_t cid = 0, hid = 0, size = 0;
    if (!get_uint(m["containerID"], at + ".containerID", 0xFFFFFFFEu, cid, err) ||
        !get_uint(m["hostID"], at + ".hostID", 0xFFFFFFFEu, hid, err) ||
        !get_uint(m["size"], at + ".size", 0xFFFFFFFFu, size, err))
      return false;
    if (size == 0) return bad(err, at + ".size", "must be at least 1");
    out.push_back(IdRange{cid, hid, size});
  }
  return true;
}

struct NamespaceName {
  std::string_view name;
  int flag;
};
constexpr NamespaceName kNamespaces[] = {
    {"user", CLONE_NEWUSER}, {"mount", CLONE_NEWNS}, {"pid", CLONE_NEWPID},
    {"uts", CLONE_NEWUTS},   {"ipc", CLONE_NEWIPC},  {"network", CLONE_NEWNET},
};

// The name becomes a path under /proc/sys (dots -> slashes), so each segment is plain: no
// '/', no '..', nothing empty. Which names are allowed (namespaced ones) is the CLI's check.
bool valid_sysctl_name(const std::string& name) {
  if (name.empty() || name.front() == '.' || name.back() == '.') return false;
  char prev = 0;
  for (char ch : name) {
    const bool plain = std::isalnum(static_cast<unsigned char>(ch)) || ch == '_' || ch == '-';
    if (!plain && ch != '.') return false;
    if (ch == '.' && prev == '.') return false;
    prev = ch;
  }
  return true;
}

bool parse_sysctls(const Value& v, RuntimeConfig& c, Error& err) {
  if (!v.is_object()) return true;  // absent: none
  for (const auto& [name, value] : v.members()) {
    if (!valid_sysctl_name(name)) return bad(err, "linux.sysctl", "bad sysctl name '" + name + "'");
    std::string text;
    if (!get_string(value, "linux.sysctl." + name, text, err)) return false;
    c.sysctls.emplace_back(name, text);
  }
  return true;
}

bool parse_linux(const Value& l, RuntimeConfig& c, Error& err) {
  if (!l.is_object()) return bad(err, "linux", "missing");
  if (!parse_id_mappings(l["uidMappings"], "linux.uidMappings", c.uid_mappings, err) ||
      !parse_id_mappings(l["gidMappings"], "linux.gidMappings", c.gid_mappings, err))
    return false;
  const auto& ns = l["namespaces"].items();
  for (size_t i = 0; i < ns.size(); i++) {
    std::string where = "linux.namespaces[" + std::to_string(i) + "]";
    std::string type;
    if (!get_string(ns[i]["type"], where + ".type", type, err)) return false;
    if (type == "cgroup") {
      c.cgroup_namespace = true;
      continue;
    }
    int flag = 0;
    for (const auto& k : kNamespaces)
      if (k.name == type) flag = k.flag;
    if (flag == 0) return bad(err, where + ".type", "namespace '" + type + "' is not supported");
    if (ns[i].has("path")) {
      // Another container's (--pid/--ipc container:X): only these, and only by /proc/PID/ns.
      std::string path;
      if (!get_string(ns[i]["path"], where + ".path", path, err)) return false;
      if (flag != CLONE_NEWUSER && flag != CLONE_NEWPID && flag != CLONE_NEWIPC)
        return bad(err, where + ".path", "joining a '" + type + "' namespace is not supported");
      const std::string tail = "/ns/" + std::string(type == "user" ? "user" : type);
      if (path.rfind("/proc/", 0) != 0 || path.size() <= 6 + tail.size() ||
          path.compare(path.size() - tail.size(), tail.size(), tail) != 0 ||
          path.find_first_not_of("0123456789", 6) != path.size() - tail.size())
        return bad(err, where + ".path", "want /proc/PID" + tail);
      c.joins.emplace_back(flag, path);
      c.joined_flags |= flag;
      continue;
    }
    c.clone_flags |= flag;
  }
  // Rootless: without a user namespace of the container's (own or joined) we hold no privilege
  // at all, and without our own mount namespace the rootfs would be mounted on the host.
  if (!((c.clone_flags | c.joined_flags) & CLONE_NEWUSER) || !(c.clone_flags & CLONE_NEWNS))
    return bad(err, "linux.namespaces", "must include 'user' and 'mount'");
  if (c.joined_flags && !(c.joined_flags & CLONE_NEWUSER))
    return bad(err, "linux.namespaces", "joining a namespace needs its owner's 'user' namespace joined too");
  if (!get_abs_paths(l["maskedPaths"], "linux.maskedPaths", c.masked_paths, err) ||
      !get_abs_paths(l["readonlyPaths"], "linux.readonlyPaths", c.readonly_paths, err))
    return false;
  if (!parse_seccomp(l["seccomp"], c.seccomp, err)) return false;
  return parse_sysctls(l["sysctl"], c, err);
}

bool parse_sandbox(const Value& s, RuntimeConfig& c, Error& err) {
  if (!s.is_object()) return bad(err, "sandbox", "missing");
  const Value& r = s["rootfs"];
  if (!get_string(r["driver"], "sandbox.rootfs.driver", c.rootfs.driver, err)) return false;
  if (c.rootfs.driver != "overlay" && c.rootfs.driver != "fuse-overlay" && c.rootfs.driver != "vfs")
    return bad(err, "sandbox.rootfs.driver", "driver '" + c.rootfs.driver + "' is not supported yet");
  if (r.has("storageUidMappings") || r.has("storageGidMappings")) {
    if (!c.rootfs.fuse())
      return bad(err, "sandbox.rootfs.storageUidMappings", "id remapping needs the fuse-overlay driver");
    if (!parse_id_mappings(r["storageUidMappings"], "sandbox.rootfs.storageUidMappings",
                           c.rootfs.storage_uid_mappings, err) ||
        !parse_id_mappings(r["storageGidMappings"], "sandbox.rootfs.storageGidMappings",
                           c.rootfs.storage_gid_mappings, err))
      return false;
  }
  if (r.has("giveToRoot")) {
    const Value& g = r["giveToRoot"];
    uint64_t uid = 0, gid = 0;
    if (!get_uint(g["uid"], "sandbox.rootfs.giveToRoot.uid", 0xFFFFFFFEu, uid, err) ||
        !get_uint(g["gid"], "sandbox.rootfs.giveToRoot.gid", 0xFFFFFFFEu, gid, err) ||
        !get_abs_paths(g["paths"], "sandbox.rootfs.giveToRoot.paths", c.rootfs.give_to_root, err))
      return false;
    c.rootfs.created_uid = static_cast<long long>(uid);
    c.rootfs.created_gid = static_cast<long long>(gid);
  }
  if (!get_abs_paths(r["lowerdirs"], "sandbox.rootfs.lowerdirs", c.rootfs.lowerdirs, err))
    return false;
  if (c.rootfs.lowerdirs.empty()) return bad(err, "sandbox.rootfs.lowerdirs", "no layers");
  if (!get_abs_path(r["upperdir"], "sandbox.rootfs.upperdir", c.rootfs.upperdir, err) ||
      !get_abs_path(r["workdir"], "sandbox.rootfs.workdir", c.rootfs.workdir, err) ||
      !get_abs_path(s["stateDir"], "sandbox.stateDir", c.state_dir, err) ||
      !get_abs_path(s["pidFile"], "sandbox.pidFile", c.pid_file, err))
    return false;
  if (s.has("seccompCache") &&
      !get_abs_path(s["seccompCache"], "sandbox.seccompCache", c.seccomp.cache_path, err))
    return false;
  if (!net::parse_network_spec(s["network"], c.network, err)) return false;
  if (!parse_cgroup_spec(s["cgroup"], c.cgroup, err)) return false;
  // A tap device needs a network namespace of our own to live in.
  if ((c.network.mode == net::Mode::Slirp || c.network.mode == net::Mode::Switch) && !(c.clone_flags & CLONE_NEWNET))
    return bad(err, "sandbox.network.mode", "slirp needs a 'network' namespace");
  return true;
}

}  // namespace

bool parse_runtime_config(const std::string& text, RuntimeConfig& out, Error& err) {
  out = RuntimeConfig{};
  Value doc;
  if (!json::parse(text, doc, err)) return false;
  if (!doc.is_object()) return bad(err, "config", "want a JSON object");
  if (!parse_process(doc["process"], out, err)) return false;
  const Value& root = doc["root"];
  if (!get_abs_path(root["path"], "root.path", out.root_path, err)) return false;
  out.root_readonly = root["readonly"].as_bool();
  if (doc.has("hostname") && !get_string(doc["hostname"], "hostname", out.hostname, err))
    return false;
  if (!parse_mounts(doc["mounts"], out, err)) return false;
  if (!parse_linux(doc["linux"], out, err)) return false;
  if (!out.hostname.empty() && !(out.clone_flags & CLONE_NEWUTS))
    return bad(err, "hostname", "setting a hostname needs a 'uts' namespace");
  if (doc.has("domainname") && !get_string(doc["domainname"], "domainname", out.domainname, err))
    return false;
  if (!out.domainname.empty() && !(out.clone_flags & CLONE_NEWUTS))
    return bad(err, "domainname", "setting a domain name needs a 'uts' namespace");
  return parse_sandbox(doc["sandbox"], out, err);
}

}  // namespace sandbox
