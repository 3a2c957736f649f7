// A streaming tar reader: one pass over an fd (a pipe from the CLI), one large buffer, entries
// handed out with GNU long names, pax records and sparse maps already merged. File data is
// returned as slices of the buffer so the writer copies each byte once.
//
// Hostile input is expected: every header's checksum is verified, metadata records (pax, GNU
// long names) are capped at kMaxMetaBytes so a "huge header" is refused instead of allocated,
// sparse maps are bounded and checked, and a short read anywhere is "truncated", never a
// silently shorter file.
#pragma once
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "sandbox/error.h"
#include "unpack/tar_entry.h"
#include "unpack/tar_pax.h"

namespace sandbox::tar {

class Reader {
 public:
  static constexpr size_t kMaxMetaBytes = 1 << 20;

  explicit Reader(int fd, size_t buffer_size = 1 << 20);

  // Reads the next entry's headers (skipping whatever data of the previous entry was not
  // consumed). Returns 1 with `e` filled, 0 at the end of the archive, -1 on error.
  int next(Entry& e, Error& err);

  // The next slice (at most `max` bytes) of the current entry's stored data, valid until the
  // next call. Returns its length (> 0), 0 once all the entry's data has been consumed, -1 on
  // error (truncation).
  long data(const char*& p, Error& err, uint64_t max = UINT64_MAX);

  // Bytes consumed from the stream so far (positions in error messages).
  uint64_t offset() const { return consumed_; }

 private:
  // Makes at least n (<= capacity) bytes available; returns what is available (less than n
  // only at end of input), or -1 on a read error.
  long fill(size_t n, Error& err);
  void consume(size_t n) {
    begin_ += n;
    consumed_ += n;
  }
  bool skip(uint64_t n, Error& err);
  bool read_meta(uint64_t n, std::string& out, Error& err);
  bool read_sparse_extensions(Entry& e, Error& err);
  bool read_sparse_1_0_map(Entry& e, Error& err);
  int truncated(Error& err, const std::string& what);
  int end_of_archive(Error& err);

  int fd_;
  std::unique_ptr<char[]> buf_;
  size_t cap_;
  size_t begin_ = 0, end_ = 0;
  uint64_t consumed_ = 0;
  uint64_t remaining_ = 0;  // stored data of the current entry not yet handed out
  uint64_t padding_ = 0;    // zero bytes after it, up to the next 512-byte block
  std::string current_;     // the current entry's path, for messages
  PaxFields global_;
  uint64_t global_bytes_ = 0;  // all 'g' headers together share the metadata cap
};

}  // namespace sandbox::tar
