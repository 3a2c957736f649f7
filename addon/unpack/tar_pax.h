// POSIX pax extended headers ('x' for the next entry, 'g' for all that follow) and the GNU
// sparse conventions carried in them (formats 0.0, 0.1 and 1.0). Pure parsing; no I/O.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "sandbox/error.h"
#include "unpack/tar_entry.h"

namespace sandbox::tar {

struct PaxFields {
  std::optional<std::string> path, linkpath;
  std::optional<uint64_t> size;
  std::optional<int64_t> uid, gid;
  std::optional<timespec> mtime, atime;
  std::vector<std::pair<std::string, std::string>> xattrs;
  // GNU sparse: major/minor name the format (0.0 and 0.1 keep the map in the header, 1.0 in
  // the data); name and realsize replace the placeholder name and the stored size.
  std::optional<int> sparse_major, sparse_minor;
  std::optional<std::string> sparse_name;
  std::optional<uint64_t> sparse_realsize;
  std::vector<SparseSegment> sparse_map;
  bool sparse_map_seen = false;   // 0.1 GNU.sparse.map or 0.0 offset/numbytes pairs
  std::optional<uint64_t> pending_offset;  // 0.0: an offset waiting for its numbytes

  bool sparse() const { return sparse_major || sparse_map_seen || sparse_realsize; }
};

// Applies the records of one pax header to `out` (later records override earlier ones).
// Refuses malformed records and unusable values rather than guessing.
bool parse_pax(std::string_view data, PaxFields& out, Error& err);

// Merges a global ('g') header into an entry's fields: the per-entry values win, and the
// keys that cannot sensibly apply to every entry (path, linkpath, size, sparse) are ignored.
void apply_global(const PaxFields& global, PaxFields& local);

// Applies pax fields to a decoded header. Sparse 0.x maps are placed in e.sparse_map; for
// 1.0 the caller reads the map from the data with parse_sparse_1_0.
bool apply_pax(const PaxFields& pax, Entry& e, Error& err);

// GNU sparse 1.0: the data starts with decimal lines "count\n" then "offset\nlength\n" pairs,
// padded to a 512-byte block. `data` is what the caller has buffered; returns the number of
// bytes the map occupies (block-rounded), 0 when more data is needed, -1 on malformed input.
long parse_sparse_1_0(std::string_view data, Entry& e, Error& err);

}  // namespace sandbox::tar
