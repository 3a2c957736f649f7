#include "unpack/tar_header.h"

#include <cerrno>
#include <cstring>

namespace sandbox::tar {
namespace {

// Field offsets and sizes of the ustar header (POSIX.1-1988) and the GNU variant.
constexpr size_t kName = 0, kNameLen = 100;
constexpr size_t kMode = 100, kUid = 108, kGid = 116, kIdLen = 8;
constexpr size_t kSize = 124, kMtime = 136, kNumLen = 12;
constexpr size_t kChksum = 148, kChksumLen = 8;
constexpr size_t kType = 156;
constexpr size_t kLinkname = 157;
constexpr size_t kMagic = 257;
constexpr size_t kDevmajor = 329, kDevminor = 337;
constexpr size_t kPrefix = 345, kPrefixLen = 155;
constexpr size_t kGnuSparse = 386, kGnuIsExtended = 482, kGnuRealSize = 483;
constexpr size_t kSparseRun = 24;  // offset[12] + numbytes[12]

std::string field_string(const char* f, size_t len) {
  const void* nul = std::memchr(f, 0, len);
  return std::string(f, nul ? static_cast<const char*>(nul) - f : len);
}

bool number_field(const char* block, size_t off, size_t len, const char* what, uint64_t& out,
                  Error& err) {
  if (parse_number(block + off, len, out)) return true;
  err.fail(std::string("invalid ") + what + " field in tar header", EINVAL);
  return false;
}

// Parses up to `count` runs starting at `p`; stops at the first empty run.
bool decode_runs(const char* p, int count, Entry& e, Error& err) {
  for (int i = 0; i < count; i++, p += kSparseRun) {
    if (p[0] == 0) break;
    SparseSegment s{};
    if (!parse_number(p, 12, s.offset) || !parse_number(p + 12, 12, s.length)) {
      err.fail("invalid GNU sparse map in tar header", EINVAL);
      return false;
    }
    // Bounds the map's memory: a hostile archive can chain extension blocks indefinitely.
    if (e.sparse_map.size() >= (1u << 16)) {
      err.fail("GNU sparse map has more than 65536 runs", EINVAL);
      return false;
    }
    e.sparse_map.push_back(s);
  }
  return true;
}

}  // namespace

bool is_zero_block(const char* block) {
  for (size_t i = 0; i < kBlock; i++)
    if (block[i] != 0) return false;
  return true;
}

bool checksum_ok(const char* block) {
  uint64_t stored = 0;
  if (!parse_number(block + kChksum, kChksumLen, stored)) return false;
  uint64_t usum = 0;
  int64_t ssum = 0;
  for (size_t i = 0; i < kBlock; i++) {
    bool in_field = i >= kChksum && i < kChksum + kChksumLen;
    unsigned char u = in_field ? ' ' : static_cast<unsigned char>(block[i]);
    signed char s = in_field ? ' ' : static_cast<signed char>(block[i]);
    usum += u;
    ssum += s;
  }
  return stored == usum || static_cast<int64_t>(stored) == ssum;
}

bool parse_number(const char* field, size_t len, uint64_t& out) {
  const auto* f = reinterpret_cast<const unsigned char*>(field);
  out = 0;
  if (len > 0 && (f[0] & 0x80)) {
    // Base-256: big-endian two's complement; 0xff marks a negative value, which no field we
    // use may hold.
    if (f[0] == 0xff) return false;
    uint64_t v = f[0] & 0x7f;
    for (size_t i = 1; i < len; i++) {
      if (v >> 56) return false;  // would overflow 64 bits
      v = (v << 8) | f[i];
    }
    if (v >> 63) return false;
    out = v;
    return true;
  }
  size_t i = 0;
  while (i < len && (f[i] == ' ' || f[i] == 0)) i++;
  uint64_t v = 0;
  for (; i < len && f[i] >= '0' && f[i] <= '7'; i++) {
    if (v >> 60) return false;
    v = (v << 3) | (f[i] - '0');
  }
  // After the digits only terminators may follow.
  for (; i < len; i++)
    if (f[i] != ' ' && f[i] != 0) return false;
  out = v;
  return true;
}

Format header_format(const char* block) {
  if (std::memcmp(block + kMagic, "ustar\0", 6) == 0) return Format::Ustar;
  if (std::memcmp(block + kMagic, "ustar  \0", 8) == 0) return Format::Gnu;
  return Format::V7;
}

bool decode_header(const char* block, Entry& e, Error& err) {
  Format fmt = header_format(block);
  e.path = field_string(block + kName, kNameLen);
  if (fmt == Format::Ustar) {
    // POSIX splits long names into prefix "/" name; GNU uses that area for other fields.
    std::string prefix = field_string(block + kPrefix, kPrefixLen);
    if (!prefix.empty()) e.path = prefix + "/" + e.path;
  }
  e.linkpath = field_string(block + kLinkname, kNameLen);
  uint64_t mode = 0, uid = 0, gid = 0, size = 0, mtime = 0;
  if (!number_field(block, kMode, kIdLen, "mode", mode, err) ||
      !number_field(block, kUid, kIdLen, "uid", uid, err) ||
      !number_field(block, kGid, kIdLen, "gid", gid, err) ||
      !number_field(block, kSize, kNumLen, "size", size, err) ||
      !number_field(block, kMtime, kNumLen, "mtime", mtime, err))
    return false;
  if (uid > 0xfffffffeu || gid > 0xfffffffeu) {
    err.fail("uid or gid out of range in tar header", EINVAL);
    return false;
  }
  e.mode = static_cast<uint32_t>(mode & 07777);
  e.uid = static_cast<int64_t>(uid);
  e.gid = static_cast<int64_t>(gid);
  e.size = size;
  e.real_size = size;
  e.mtime = {static_cast<time_t>(mtime), 0};
  e.typeflag = block[kType];
  if (fmt != Format::V7) {
    uint64_t maj = 0, min = 0;
    // Device fields are often garbage on non-device entries; only devices need them.
    if (e.typeflag == '3' || e.typeflag == '4') {
      if (!number_field(block, kDevmajor, kIdLen, "devmajor", maj, err) ||
          !number_field(block, kDevminor, kIdLen, "devminor", min, err))
        return false;
    }
    e.devmajor = static_cast<uint32_t>(maj);
    e.devminor = static_cast<uint32_t>(min);
  }
  switch (e.typeflag) {
    case '0':
    case '7':  // contiguous file: a regular file everywhere but on one 1980s system
    case 'S':  // GNU sparse regular file
      e.kind = Kind::Regular;
      break;
    case '\0':  // v7: regular, or a directory when the name ends in '/'
      e.kind = !e.path.empty() && e.path.back() == '/' ? Kind::Directory : Kind::Regular;
      break;
    case '1': e.kind = Kind::Hardlink; break;
    case '2': e.kind = Kind::Symlink; break;
    case '3': e.kind = Kind::CharDevice; break;
    case '4': e.kind = Kind::BlockDevice; break;
    case '5':
    case 'D':  // GNU dumpdir: a directory whose data (a listing for incremental dumps) is skipped
      e.kind = Kind::Directory;
      break;
    case '6': e.kind = Kind::Fifo; break;
    default: e.kind = Kind::Unsupported; break;
  }
  return true;
}

bool decode_gnu_sparse(const char* block, Entry& e, bool& extended, Error& err) {
  e.sparse = true;
  e.sparse_map.clear();
  if (!decode_runs(block + kGnuSparse, 4, e, err)) return false;
  uint64_t real = 0;
  if (!parse_number(block + kGnuRealSize, 12, real)) {
    err.fail("invalid GNU sparse real size in tar header", EINVAL);
    return false;
  }
  e.real_size = real;
  extended = block[kGnuIsExtended] != 0;
  return true;
}

bool decode_gnu_sparse_extension(const char* block, Entry& e, bool& extended, Error& err) {
  if (!decode_runs(block, 21, e, err)) return false;
  extended = block[21 * kSparseRun] != 0;
  return true;
}

bool check_sparse_map(const Entry& e, Error& err) {
  uint64_t end = 0, stored = 0;
  for (const auto& s : e.sparse_map) {
    if (s.offset < end || s.length > e.real_size || s.offset > e.real_size - s.length) {
      err.fail("sparse map of '" + e.path + "' has overlapping or out-of-file runs", EINVAL);
      return false;
    }
    end = s.offset + s.length;
    stored += s.length;
  }
  if (stored != e.size) {
    err.fail("sparse map of '" + e.path + "' does not match its stored data size", EINVAL);
    return false;
  }
  return true;
}

}  // namespace sandbox::tar
