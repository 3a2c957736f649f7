// One tar entry as the unpacker sees it, after ustar, GNU and pax headers have been merged:
// plain data, no I/O. The reader (tar_reader.h) fills it; the layer writer consumes it.
#pragma once
#include <time.h>

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace sandbox::tar {

enum class Kind { Regular, Directory, Symlink, Hardlink, Fifo, CharDevice, BlockDevice, Unsupported };

// A run of stored data placed at `offset` in a sparse file; the gaps between runs are holes.
struct SparseSegment {
  uint64_t offset;
  uint64_t length;
};

struct Entry {
  Kind kind = Kind::Regular;
  char typeflag = '0';
  std::string path;      // as the archive names it (normalised later, by the writer)
  std::string linkpath;  // symlink target, or hardlink target (an archive path)
  uint32_t mode = 0;     // permission bits including setuid/setgid/sticky (07777)
  int64_t uid = 0;
  int64_t gid = 0;
  timespec mtime{};
  timespec atime{};
  bool has_atime = false;
  uint32_t devmajor = 0;
  uint32_t devminor = 0;
  uint64_t size = 0;       // bytes of file data stored in the archive (the sparse runs, if sparse)
  uint64_t real_size = 0;  // the file's logical size (== size unless sparse)
  bool sparse = false;
  std::vector<SparseSegment> sparse_map;
  std::vector<std::pair<std::string, std::string>> xattrs;  // from SCHILY.xattr.*
};

}  // namespace sandbox::tar
