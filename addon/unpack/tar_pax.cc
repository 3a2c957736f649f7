#include "unpack/tar_pax.h"

#include <cerrno>

namespace sandbox::tar {
namespace {

bool parse_decimal(std::string_view s, uint64_t& out) {
  if (s.empty() || s.size() > 19) return false;
  uint64_t v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
    v = v * 10 + static_cast<uint64_t>(c - '0');
  }
  out = v;
  return true;
}

// "[-]seconds[.fraction]", as pax writes times.
bool parse_time(std::string_view s, timespec& out) {
  bool negative = !s.empty() && s[0] == '-';
  if (negative) s.remove_prefix(1);
  std::string_view whole = s, frac;
  if (size_t dot = s.find('.'); dot != std::string_view::npos) {
    whole = s.substr(0, dot);
    frac = s.substr(dot + 1);
  }
  uint64_t sec = 0;
  if (!parse_decimal(whole, sec) || sec > (1ull << 62)) return false;
  long nsec = 0;
  for (size_t i = 0; i < frac.size(); i++) {
    if (frac[i] < '0' || frac[i] > '9') return false;
    if (i < 9) nsec = nsec * 10 + (frac[i] - '0');
  }
  for (size_t i = frac.size(); i < 9; i++) nsec *= 10;
  if (!negative) {
    out = {static_cast<time_t>(sec), nsec};
  } else if (nsec == 0) {
    out = {-static_cast<time_t>(sec), 0};
  } else {
    out = {-static_cast<time_t>(sec) - 1, 1000000000L - nsec};
  }
  return true;
}

bool parse_id(std::string_view s, int64_t& out) {
  uint64_t v = 0;
  if (!parse_decimal(s, v) || v > 0xfffffffeu) return false;
  out = static_cast<int64_t>(v);
  return true;
}

// "offset,length,offset,length,..." (sparse 0.1).
bool parse_map_list(std::string_view s, std::vector<SparseSegment>& out) {
  out.clear();
  std::vector<uint64_t> nums;
  while (!s.empty()) {
    size_t comma = s.find(',');
    uint64_t v = 0;
    if (!parse_decimal(s.substr(0, comma), v)) return false;
    nums.push_back(v);
    if (comma == std::string_view::npos) break;
    s.remove_prefix(comma + 1);
  }
  if (nums.size() % 2 != 0) return false;
  for (size_t i = 0; i < nums.size(); i += 2) out.push_back({nums[i], nums[i + 1]});
  return true;
}

bool bad(Error& err, std::string_view key) {
  err.fail("invalid value for pax keyword '" + std::string(key) + "'", EINVAL);
  return false;
}

bool apply_record(std::string_view key, std::string_view value, PaxFields& out, Error& err) {
  constexpr std::string_view kXattr = "SCHILY.xattr.";
  if (key.substr(0, kXattr.size()) == kXattr) {
    std::string name(key.substr(kXattr.size()));
    if (name.empty()) return bad(err, key);
    for (auto& [n, v] : out.xattrs)
      if (n == name) {
        v = value;
        return true;
      }
    out.xattrs.emplace_back(std::move(name), std::string(value));
    return true;
  }
  // An empty value removes the keyword (POSIX), letting the header's own field stand.
  if (key == "path") {
    value.empty() ? out.path.reset() : void(out.path = std::string(value));
  } else if (key == "linkpath") {
    value.empty() ? out.linkpath.reset() : void(out.linkpath = std::string(value));
  } else if (key == "size") {
    uint64_t v = 0;
    if (value.empty()) out.size.reset();
    else if (!parse_decimal(value, v) || v > (1ull << 62)) return bad(err, key);
    else out.size = v;
  } else if (key == "uid" || key == "gid") {
    auto& field = key == "uid" ? out.uid : out.gid;
    int64_t v = 0;
    if (value.empty()) field.reset();
    else if (!parse_id(value, v)) return bad(err, key);
    else field = v;
  } else if (key == "mtime" || key == "atime") {
    auto& field = key == "mtime" ? out.mtime : out.atime;
    timespec t{};
    if (value.empty()) field.reset();
    else if (!parse_time(value, t)) return bad(err, key);
    else field = t;
  } else if (key == "GNU.sparse.major" || key == "GNU.sparse.minor") {
    uint64_t v = 0;
    if (!parse_decimal(value, v) || v > 9) return bad(err, key);
    (key == "GNU.sparse.major" ? out.sparse_major : out.sparse_minor) = static_cast<int>(v);
  } else if (key == "GNU.sparse.name") {
    out.sparse_name = std::string(value);
  } else if (key == "GNU.sparse.realsize" || key == "GNU.sparse.size") {
    uint64_t v = 0;
    if (!parse_decimal(value, v) || v > (1ull << 62)) return bad(err, key);
    out.sparse_realsize = v;
  } else if (key == "GNU.sparse.map") {
    if (!parse_map_list(value, out.sparse_map)) return bad(err, key);
    out.sparse_map_seen = true;
  } else if (key == "GNU.sparse.offset") {  // 0.0: pairs of records, in order
    uint64_t v = 0;
    if (!parse_decimal(value, v)) return bad(err, key);
    out.pending_offset = v;
  } else if (key == "GNU.sparse.numbytes") {
    uint64_t v = 0;
    if (!parse_decimal(value, v) || !out.pending_offset) return bad(err, key);
    out.sparse_map.push_back({*out.pending_offset, v});
    out.pending_offset.reset();
    out.sparse_map_seen = true;
  }
  // Other keywords (uname, gname, comment, charset, ctime, vendor extensions) change nothing
  // the unpacker creates.
  return true;
}

}  // namespace

bool parse_pax(std::string_view data, PaxFields& out, Error& err) {
  while (!data.empty()) {
    // "LEN KEY=VALUE\n", LEN counting the whole record including itself.
    size_t space = data.find(' ');
    uint64_t len = 0;
    if (space == std::string_view::npos || !parse_decimal(data.substr(0, space), len) ||
        len <= space + 2 || len > data.size() || data[len - 1] != '\n') {
      // GNU tar pads with NULs; anything else that does not parse is corruption.
      if (data.find_first_not_of('\0') == std::string_view::npos) return true;
      err.fail("malformed pax extended header record", EINVAL);
      return false;
    }
    std::string_view record = data.substr(space + 1, len - space - 2);
    size_t eq = record.find('=');
    if (eq == std::string_view::npos || eq == 0) {
      err.fail("malformed pax extended header record (no keyword)", EINVAL);
      return false;
    }
    if (!apply_record(record.substr(0, eq), record.substr(eq + 1), out, err)) return false;
    data.remove_prefix(len);
  }
  return true;
}

void apply_global(const PaxFields& global, PaxFields& local) {
  if (!local.uid) local.uid = global.uid;
  if (!local.gid) local.gid = global.gid;
  if (!local.mtime) local.mtime = global.mtime;
  if (!local.atime) local.atime = global.atime;
  for (const auto& [name, value] : global.xattrs) {
    bool overridden = false;
    for (const auto& x : local.xattrs) overridden = overridden || x.first == name;
    if (!overridden) local.xattrs.emplace_back(name, value);
  }
}

bool apply_pax(const PaxFields& pax, Entry& e, Error& err) {
  if (pax.path) e.path = *pax.path;
  if (pax.linkpath) e.linkpath = *pax.linkpath;
  if (pax.size) e.size = e.real_size = *pax.size;
  if (pax.uid) e.uid = *pax.uid;
  if (pax.gid) e.gid = *pax.gid;
  if (pax.mtime) e.mtime = *pax.mtime;
  if (pax.atime) {
    e.atime = *pax.atime;
    e.has_atime = true;
  }
  e.xattrs = pax.xattrs;
  if (!pax.sparse() || e.kind != Kind::Regular) return true;
  // GNU sparse in pax form: the header names a placeholder ("GNUSparseFile.N/name"); the real
  // name and size are in the records.
  if (pax.sparse_name) e.path = *pax.sparse_name;
  if (!pax.sparse_realsize) {
    err.fail("sparse file '" + e.path + "' has no real size in its pax header", EINVAL);
    return false;
  }
  e.sparse = true;
  e.real_size = *pax.sparse_realsize;
  if (pax.sparse_major.value_or(0) >= 1) {
    if (*pax.sparse_major != 1 || pax.sparse_minor.value_or(0) != 0) {
      err.fail("sparse file '" + e.path + "' uses an unknown GNU sparse format", EINVAL);
      return false;
    }
    return true;  // 1.0: the map is at the start of the data
  }
  if (pax.sparse_map.size() > (1u << 16)) {
    err.fail("sparse map of '" + e.path + "' has more than 65536 runs", EINVAL);
    return false;
  }
  e.sparse_map = pax.sparse_map;
  return true;
}

long parse_sparse_1_0(std::string_view data, Entry& e, Error& err) {
  size_t pos = 0;
  auto next_number = [&](uint64_t& v) -> int {  // 1 ok, 0 need more data, -1 malformed
    size_t nl = data.find('\n', pos);
    if (nl == std::string_view::npos) return data.size() - pos > 20 ? -1 : 0;
    if (!parse_decimal(data.substr(pos, nl - pos), v)) return -1;
    pos = nl + 1;
    return 1;
  };
  auto malformed = [&]() -> long {
    err.fail("malformed GNU sparse 1.0 map in '" + e.path + "'", EINVAL);
    return -1;
  };
  uint64_t count = 0;
  int r = next_number(count);
  if (r <= 0) return r < 0 ? malformed() : 0;
  if (count > (1u << 16)) {
    err.fail("sparse map of '" + e.path + "' has more than 65536 runs", EINVAL);
    return -1;
  }
  std::vector<SparseSegment> map;
  map.reserve(count);
  for (uint64_t i = 0; i < count; i++) {
    SparseSegment s{};
    if ((r = next_number(s.offset)) <= 0 || (r = next_number(s.length)) <= 0)
      return r < 0 ? malformed() : 0;
    map.push_back(s);
  }
  e.sparse_map = std::move(map);
  size_t used = (pos + 511) / 512 * 512;
  if (used > e.size) {
    err.fail("GNU sparse 1.0 map of '" + e.path + "' is larger than its data", EINVAL);
    return -1;
  }
  return static_cast<long>(used);
}

}  // namespace sandbox::tar
