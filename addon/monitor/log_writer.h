// The container log (`sandbox logs`): the monitor reads the container's stdout and stderr pipes
// and writes one line per record, in the k8s-file format podman uses:
//   2026-11-28T05:10:00.123456789Z stdout F hello
// F ends a line, P is part of one (a chunk with no newline yet). Streams stay apart by their
// tag; each record is timestamped as it arrives, which is what --since/--until/-t need.
// No buffering of partial lines: a chunk without a newline is written at once as P, so the
// monitor holds no per-container line buffer (memory target: bench/overhead).
#pragma once
#include <sys/types.h>

#include <string>

#include "sandbox/error.h"
#include "sandbox/unique_fd.h"

namespace sandbox {

class LogWriter {
 public:
  // `max_size` bytes per file; past it PATH.1..PATH.(max_files-2) move up one (the oldest is
  // replaced), PATH becomes PATH.1 and a new one is started, so a chatty container holds at
  // most max_files times the cap on disk (docker's json-file max-file). max_files 1: PATH is
  // emptied instead.
  int open(const std::string& path, off_t max_size, int max_files, Error& err);
  bool is_open() const { return static_cast<bool>(fd_); }
  // Write `data` (one read from the container's pipe) as records of `stream`.
  void write(const char* stream, const char* data, size_t len);

 private:
  void rotate_if_needed();
  std::string path_;
  off_t max_size_ = 0;
  int max_files_ = 2;
  off_t size_ = 0;
  unique_fd fd_;
};

// RFC 3339 with nanoseconds, UTC (pure but for the clock).
std::string timestamp_now();

}  // namespace sandbox
