// Decoding of the fixed 512-byte tar header blocks (v7, POSIX ustar, GNU): fields, numbers,
// checksum, and the old GNU sparse map. Pure functions over a block; no I/O.
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>

#include "sandbox/error.h"
#include "unpack/tar_entry.h"

namespace sandbox::tar {

constexpr size_t kBlock = 512;

enum class Format { V7, Ustar, Gnu };

bool is_zero_block(const char* block);

// The header checksum matches (the unsigned sum, or the signed sum some old tars wrote).
bool checksum_ok(const char* block);

// A numeric field: octal digits (leading spaces/NULs allowed, ended by space or NUL), or the
// GNU base-256 form (first byte 0x80). Negative or overflowing values are refused.
bool parse_number(const char* field, size_t len, uint64_t& out);

Format header_format(const char* block);

// Decodes name (with the ustar prefix), linkname, mode, ids, size, mtime, typeflag, device
// numbers and kind. GNU long names and pax records are applied later by the reader.
bool decode_header(const char* block, Entry& e, Error& err);

// Old GNU sparse ('S'): the four runs in the header, the real size, and whether extension
// blocks follow. Runs are appended to e.sparse_map.
bool decode_gnu_sparse(const char* block, Entry& e, bool& extended, Error& err);
// One sparse extension block (21 runs and its own "more follow" flag).
bool decode_gnu_sparse_extension(const char* block, Entry& e, bool& extended, Error& err);

// Sanity of a sparse map against the stored and real sizes: runs in order, not overlapping,
// inside the file, and exactly as many stored bytes as the runs cover.
bool check_sparse_map(const Entry& e, Error& err);

}  // namespace sandbox::tar
