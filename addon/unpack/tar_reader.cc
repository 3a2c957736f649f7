#include "unpack/tar_reader.h"

#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "unpack/tar_header.h"

namespace sandbox::tar {
namespace {

uint64_t pad_of(uint64_t size) { return (kBlock - size % kBlock) % kBlock; }

// Types whose size field does not announce data (as Go's archive/tar, and so docker, treat
// them): a hostile size on a symlink must not make us swallow the next headers as data.
bool header_only(char typeflag) {
  return typeflag == '1' || typeflag == '2' || typeflag == '3' || typeflag == '4' ||
         typeflag == '5' || typeflag == '6';
}

std::string huge_header(uint64_t size) {
  return "tar metadata header of " + std::to_string(size) + " bytes exceeds the " +
         std::to_string(Reader::kMaxMetaBytes >> 20) + " MiB limit (hostile or corrupt archive)";
}

}  // namespace

Reader::Reader(int fd, size_t buffer_size)
    : fd_(fd), buf_(new char[std::max(buffer_size, kBlock * 4)]), cap_(std::max(buffer_size, kBlock * 4)) {}

long Reader::fill(size_t n, Error& err) {
  if (end_ - begin_ >= n) return static_cast<long>(end_ - begin_);
  if (begin_ + n > cap_ || begin_ == end_) {
    std::memmove(buf_.get(), buf_.get() + begin_, end_ - begin_);
    end_ -= begin_;
    begin_ = 0;
  }
  while (end_ - begin_ < n) {
    ssize_t got = ::read(fd_, buf_.get() + end_, cap_ - end_);
    if (got < 0) {
      if (errno == EINTR) continue;
      return err.sys("reading the layer stream");
    }
    if (got == 0) break;
    end_ += static_cast<size_t>(got);
  }
  return static_cast<long>(end_ - begin_);
}

bool Reader::skip(uint64_t n, Error& err) {
  while (n > 0) {
    long got = fill(1, err);
    if (got < 0) return false;
    if (got == 0) {
      truncated(err, "data of '" + current_ + "'");
      return false;
    }
    size_t take = static_cast<size_t>(std::min<uint64_t>(n, static_cast<uint64_t>(got)));
    consume(take);
    n -= take;
  }
  return true;
}

bool Reader::read_meta(uint64_t n, std::string& out, Error& err) {
  out.clear();
  out.reserve(n);
  while (out.size() < n) {
    long got = fill(1, err);
    if (got < 0) return false;
    if (got == 0) {
      truncated(err, "a metadata header");
      return false;
    }
    size_t take = std::min<size_t>(n - out.size(), static_cast<size_t>(got));
    out.append(buf_.get() + begin_, take);
    consume(take);
  }
  return skip(pad_of(n), err);
}

int Reader::truncated(Error& err, const std::string& what) {
  return err.fail("the layer archive is truncated (at byte " + std::to_string(consumed_) +
                      ", in " + what + ")",
                  EIO);
}

int Reader::end_of_archive(Error& err) {
  // One zero block has been consumed; the end marker is two, but a missing second block (or
  // nothing at all after the first) is accepted, as GNU tar and Go's archive/tar do.
  long got = fill(kBlock, err);
  if (got < 0) return -1;
  if (got < static_cast<long>(kBlock) || is_zero_block(buf_.get() + begin_)) return 0;
  return err.fail("a lone zero block before byte " + std::to_string(consumed_) +
                      " in the middle of the archive (corrupt archive)",
                  EINVAL);
}

int Reader::next(Entry& e, Error& err) {
  if (!skip(remaining_ + padding_, err)) return -1;
  remaining_ = padding_ = 0;
  PaxFields local;
  std::string longname, longlink;
  bool have_longname = false, have_longlink = false;
  uint64_t meta_bytes = 0;
  for (;;) {
    long got = fill(kBlock, err);
    if (got < 0) return -1;
    bool pending = meta_bytes > 0;
    if (got == 0 && !pending) return 0;  // end of input at a block boundary
    if (got < static_cast<long>(kBlock)) return truncated(err, "a header");
    const char* b = buf_.get() + begin_;
    if (is_zero_block(b)) {
      if (pending) return err.fail("metadata header with no entry after it (corrupt archive)", EINVAL);
      consume(kBlock);
      return end_of_archive(err);
    }
    if (!checksum_ok(b))
      return err.fail("bad tar header checksum at byte " + std::to_string(consumed_) +
                          ": not a tar archive, or a corrupt one",
                      EINVAL);
    Entry h;
    if (!decode_header(b, h, err)) return err.wrap("at byte " + std::to_string(consumed_));
    consume(kBlock);
    char t = h.typeflag;
    if (t == 'x' || t == 'g' || t == 'L' || t == 'K') {
      // Cap before allocating: the size field is attacker-controlled.
      uint64_t& budget_used = t == 'g' ? global_bytes_ : meta_bytes;
      if (h.size > kMaxMetaBytes || budget_used + h.size > kMaxMetaBytes)
        return err.fail(huge_header(budget_used + h.size), EFBIG);
      budget_used += h.size;
      if (t != 'g') meta_bytes = std::max<uint64_t>(meta_bytes, 1);  // a header is pending
      std::string data;
      if (!read_meta(h.size, data, err)) return -1;
      if (t == 'x' && !parse_pax(data, local, err)) return -1;
      if (t == 'g' && !parse_pax(data, global_, err)) return -1;
      if (t == 'L' || t == 'K') {
        data.resize(std::strlen(data.c_str()));  // NUL-terminated by GNU tar
        (t == 'L' ? longname : longlink) = std::move(data);
        (t == 'L' ? have_longname : have_longlink) = true;
      }
      continue;
    }
    e = std::move(h);
    if (t == 'S') {
      bool extended = false;
      if (!decode_gnu_sparse(b, e, extended, err)) return -1;
      if (extended && !read_sparse_extensions(e, err)) return -1;
    }
    if (have_longname) e.path = std::move(longname);
    if (have_longlink) e.linkpath = std::move(longlink);
    apply_global(global_, local);
    if (!apply_pax(local, e, err)) return -1;
    if (e.path.find('\0') != std::string::npos || e.linkpath.find('\0') != std::string::npos)
      return err.fail("tar entry name contains a NUL byte", EINVAL);
    current_ = e.path;
    if (header_only(t)) e.size = e.real_size = 0;
    remaining_ = e.size;
    padding_ = pad_of(e.size);
    if (e.sparse && e.sparse_map.empty() && local.sparse_major.value_or(0) == 1 &&
        !read_sparse_1_0_map(e, err))
      return -1;
    if (e.sparse && !check_sparse_map(e, err)) return -1;
    return 1;
  }
}

bool Reader::read_sparse_extensions(Entry& e, Error& err) {
  bool extended = true;
  while (extended) {
    long got = fill(kBlock, err);
    if (got < 0) return false;
    if (got < static_cast<long>(kBlock)) {
      truncated(err, "the sparse map of '" + e.path + "'");
      return false;
    }
    if (!decode_gnu_sparse_extension(buf_.get() + begin_, e, extended, err)) return false;
    consume(kBlock);
  }
  return true;
}

bool Reader::read_sparse_1_0_map(Entry& e, Error& err) {
  // The map sits at the start of the stored data; it must fit the buffer (a few MiB of
  // decimal numbers is far beyond any real file's map).
  size_t want = kBlock;
  for (;;) {
    size_t limit = static_cast<size_t>(std::min<uint64_t>(remaining_, cap_));
    want = std::min(want, limit);
    long got = fill(want, err);
    if (got < 0) return false;
    size_t have = std::min<size_t>(static_cast<size_t>(got), limit);
    long used = parse_sparse_1_0(std::string_view(buf_.get() + begin_, have), e, err);
    if (used < 0) return false;
    if (used > 0) {
      consume(static_cast<size_t>(used));
      remaining_ -= static_cast<uint64_t>(used);
      e.size -= static_cast<uint64_t>(used);
      return true;
    }
    if (have < want || want == limit) {
      err.fail("GNU sparse 1.0 map of '" + e.path + "' is truncated or too large", EINVAL);
      return false;
    }
    want *= 2;
  }
}

long Reader::data(const char*& p, Error& err, uint64_t max) {
  if (remaining_ == 0 || max == 0) return 0;
  long got = fill(1, err);
  if (got < 0) return -1;
  if (got == 0) return truncated(err, "data of '" + current_ + "'");
  size_t take = static_cast<size_t>(
      std::min<uint64_t>({remaining_, max, static_cast<uint64_t>(got)}));
  p = buf_.get() + begin_;
  consume(take);
  remaining_ -= take;
  return static_cast<long>(take);
}

}  // namespace sandbox::tar
