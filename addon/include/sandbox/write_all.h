// Write a whole buffer to an fd: the one loop the monitor's terminal relay and the unpacker's
// file and pipe writes share.
#pragma once
#include <cstddef>

namespace sandbox {

// Write all of buf to fd, resuming after EINTR and short writes, and waiting when fd is
// non-blocking and full (the caller's terminal may be shared with a Node process that made it
// so). False when fd is gone or broken (EPIPE, EIO...).
bool write_all(int fd, const char* buf, size_t n);

}  // namespace sandbox
