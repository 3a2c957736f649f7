#include "monitor/log_writer.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>

namespace sandbox {

std::string timestamp_now() {
  timespec ts{};
  ::clock_gettime(CLOCK_REALTIME, &ts);
  tm t{};
  ::gmtime_r(&ts.tv_sec, &t);
  char buf[64];
  size_t n = ::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &t);
  std::snprintf(buf + n, sizeof buf - n, ".%09ldZ", ts.tv_nsec);
  return buf;
}

int LogWriter::open(const std::string& path, off_t max_size, int max_files, Error& err) {
  path_ = path;
  max_size_ = max_size;
  max_files_ = max_files < 1 ? 1 : max_files;
  // O_APPEND: a restarted container (same monitor or a new one) continues the same log.
  fd_.reset(::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC | O_NOFOLLOW, 0600));
  if (!fd_) return err.sys("open the container log " + path);
  struct stat st{};
  size_ = ::fstat(fd_.get(), &st) == 0 ? st.st_size : 0;
  return 0;
}

void LogWriter::rotate_if_needed() {
  if (max_size_ <= 0 || size_ < max_size_) return;
  if (max_files_ == 1) {
    // One file only: start it over (O_APPEND writes land at the new end).
    if (::ftruncate(fd_.get(), 0) == 0) size_ = 0;
    return;
  }
  for (int k = max_files_ - 1; k >= 2; k--) {
    const std::string from = path_ + "." + std::to_string(k - 1);
    const std::string to = path_ + "." + std::to_string(k);
    ::rename(from.c_str(), to.c_str());  // ENOENT while fewer files exist yet: nothing to move
  }
  const std::string old = path_ + ".1";
  if (::rename(path_.c_str(), old.c_str()) < 0) return;  // keep writing to the big file rather than lose lines
  unique_fd next(::open(path_.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC | O_NOFOLLOW, 0600));
  if (!next) return;
  fd_ = std::move(next);
  size_ = 0;
}

void LogWriter::write(const char* stream, const char* data, size_t len) {
  if (!fd_) return;
  const std::string ts = timestamp_now();
  size_t pos = 0;
  while (pos < len) {
    const char* nl = static_cast<const char*>(std::memchr(data + pos, '\n', len - pos));
    size_t end = nl ? static_cast<size_t>(nl - data) : len;
    const char* tag = nl ? " F " : " P ";
    rotate_if_needed();
    // One writev per record, so a reader (logs -f) never sees half a header.
    iovec iov[6] = {
        {const_cast<char*>(ts.data()), ts.size()},
        {const_cast<char*>(" "), 1},
        {const_cast<char*>(stream), std::strlen(stream)},
        {const_cast<char*>(tag), 3},
        {const_cast<char*>(data + pos), end - pos},
        {const_cast<char*>("\n"), 1},
    };
    ssize_t n = ::writev(fd_.get(), iov, 6);
    if (n > 0) size_ += n;
    pos = nl ? end + 1 : len;
  }
}

}  // namespace sandbox
