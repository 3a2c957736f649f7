// The unpacker's input, hashed on its way in: a thread reads the CLI's stream (stdin) to its
// very end, feeds every byte to SHA-256 and passes it on through an internal pipe that the tar
// reader consumes. The CLI then learns the diff id from the verdict instead of hashing the
// uncompressed tar itself, so the tar no longer has to pass through Node at all: the CLI can
// connect a decompressor's output straight to our stdin (see src/image/layer-import.ts).
//
// Every byte is hashed, including anything after the archive's end marker, and the thread
// keeps reading after the tar reader is done (or gave up), so the digest is always that of the
// whole stream - the same bytes the CLI compares with the image config's diff id before the
// layer is published.
#pragma once
#include <cstdint>
#include <string>
#include <thread>

#include "sandbox/error.h"
#include "sandbox/unique_fd.h"

namespace sandbox::unpack {

class HashingInput {
 public:
  HashingInput() = default;
  HashingInput(const HashingInput&) = delete;
  HashingInput& operator=(const HashingInput&) = delete;
  ~HashingInput();

  // Starts the thread reading `source`; the tar reader reads fd() from then on.
  int start(int source, Error& err);
  int fd() const { return out_r_.get(); }

  // The reader is done with fd(): the rest of the stream is read and hashed without being
  // passed on. Waits for the end of the stream; fills "sha256:<hex>" and the byte count.
  int finish(std::string& digest, uint64_t& size, Error& err);

 private:
  void run();

  int source_ = -1;
  unique_fd out_r_, out_w_;
  std::thread thread_;
  // Set by the thread, read after join().
  std::string digest_;
  uint64_t size_ = 0;
  int read_errno_ = 0;
  bool started_ = false;
};

}  // namespace sandbox::unpack
