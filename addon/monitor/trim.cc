#include "monitor/trim.h"

#include <fcntl.h>
#include <malloc.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include <cstring>

namespace sandbox {
namespace {

// madvise without libc's wrapper: the wrapper's page (and the 15 around it that the kernel's
// fault-around maps with it) would be faulted straight back by the call that drops it.
long drop_pages(unsigned long start, unsigned long len) {
#if defined(__x86_64__)
  long ret;
  __asm__ volatile("syscall"
                   : "=a"(ret)
                   : "0"(static_cast<long>(SYS_madvise)), "D"(start), "S"(len), "d"(static_cast<long>(MADV_DONTNEED))
                   : "rcx", "r11", "memory");
  return ret;
#else
  return ::madvise(reinterpret_cast<void*>(start), len, MADV_DONTNEED);
#endif
}

// The stack below us: setup's deep calls dirtied it once and the loop never goes that deep
// again. A page of margin below this frame covers the red zone and madvise's own call; a
// deeper call later just faults fresh zero pages in, as any stack growth does.
void trim_stack(unsigned long stack_start) {
  char here;
  const unsigned long page = static_cast<unsigned long>(::sysconf(_SC_PAGESIZE));
  const unsigned long below = (reinterpret_cast<unsigned long>(&here) & ~(page - 1)) - page;
  if (stack_start != 0 && below > stack_start) drop_pages(stack_start, below - stack_start);
}

// /proc/self/smaps is parsed by hand, and the pages are dropped only once it is all read:
// sscanf and its helpers are the biggest code a trim runs, and dropping libc's pages while
// still calling them would fault them (and their neighbours) straight back.
bool hex_digit(char c, unsigned long& v) {
  if (c >= '0' && c <= '9') return v = static_cast<unsigned long>(c - '0'), true;
  if (c >= 'a' && c <= 'f') return v = static_cast<unsigned long>(c - 'a' + 10), true;
  return false;
}
unsigned long parse_hex(const char*& p) {
  unsigned long v = 0, d = 0;
  while (hex_digit(*p, d)) v = v * 16 + d, p++;
  return v;
}
unsigned long parse_dec(const char*& p) {
  unsigned long v = 0;
  while (*p >= '0' && *p <= '9') v = v * 10 + static_cast<unsigned long>(*p++ - '0');
  return v;
}
const char* skip_spaces(const char* p) {
  while (*p == ' ') p++;
  return p;
}
const char* skip_word(const char* p) {
  while (*p && *p != ' ') p++;
  return skip_spaces(p);
}
bool starts_with(const char* p, const char* prefix) {
  while (*prefix)
    if (*p++ != *prefix++) return false;
  return true;
}

struct Range {
  unsigned long start = 0, end = 0;
};
constexpr int kMaxRanges = 512;

struct Scan {
  Range ranges[kMaxRanges];
  int count = 0;
  Range cur;
  bool candidate = false;  // cur: private, not writable, backed by a file, no private copies
  unsigned long stack_start = 0;

  void close_mapping() {
    if (candidate && count < kMaxRanges) ranges[count++] = cur;
    candidate = false;
  }

  // A mapping's first line: "start-end perms offset dev inode   path".
  bool header(const char* line) {
    const char* p = line;
    unsigned long start = parse_hex(p);
    if (p == line || *p != '-') return false;
    const char* q = ++p;
    unsigned long end = parse_hex(p);
    if (p == q || *p != ' ') return false;
    close_mapping();  // the previous mapping's fields are complete
    const char* perms = p + 1;
    p = skip_word(perms);  // -> offset
    p = skip_word(p);      // -> dev
    p = skip_word(p);      // -> inode
    unsigned long inode = parse_dec(p);
    p = skip_spaces(p);
    if (starts_with(p, "[stack]")) stack_start = start;
    cur = {start, end};
    candidate = inode != 0 && perms[1] == '-' && perms[3] == 'p' && *p == '/';
    return true;
  }

  void line(const char* l) {
    if (header(l)) return;
    // smaps rather than maps: a read-only mapping may still hold private copies (RELRO: the
    // GOT and vtables the dynamic linker relocated, then made read-only). Those show as
    // Anonymous pages and must stay; dropping them would bring back the unrelocated file.
    if (starts_with(l, "Anonymous:")) {
      const char* p = skip_spaces(l + 10);
      if (parse_dec(p) > 0) candidate = false;
    }
  }
};

// Returns where the stack mapping starts. Not inlined: its buffers must be below the frame
// trim_stack measures from, so that they are trimmed too. No allocation: heap growth here
// would be the memory we are giving back.
__attribute__((noinline)) unsigned long trim_mappings() {
  int fd = ::open("/proc/self/smaps", O_RDONLY | O_CLOEXEC);
  if (fd < 0) return 0;
  Scan scan;
  char buf[8192];
  size_t have = 0;
  for (;;) {
    ssize_t n = ::read(fd, buf + have, sizeof buf - have - 1);
    if (n > 0) have += static_cast<size_t>(n);
    buf[have] = '\0';
    char* line = buf;
    char* nl;
    while ((nl = static_cast<char*>(std::memchr(line, '\n', have - static_cast<size_t>(line - buf)))) != nullptr) {
      *nl = '\0';
      scan.line(line);
      line = nl + 1;
    }
    size_t rest = have - static_cast<size_t>(line - buf);
    std::memmove(buf, line, rest);
    have = rest;
    if (n <= 0) break;
  }
  scan.close_mapping();
  ::close(fd);
  for (int i = 0; i < scan.count; i++) drop_pages(scan.ranges[i].start, scan.ranges[i].end - scan.ranges[i].start);
  return scan.stack_start;
}

}  // namespace

void trim_resident_memory() {
  ::malloc_trim(0);
  trim_stack(trim_mappings());
}

namespace {
constexpr long long kQuietMs = 1000, kMaxGapMs = 64000;
long long now_ms() {
  timespec ts{};
  ::clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<long long>(ts.tv_sec) * 1000 + ts.tv_nsec / 1000000;
}
}  // namespace

void IdleTrim::start() {
  started_ = true;
  trim_resident_memory();
  next_allowed_ms_ = now_ms() + gap_ms_;
  activity();
}

void IdleTrim::activity() {
  dirty_ = true;
  last_activity_ms_ = now_ms();
}

long long IdleTrim::due_ms() const {
  return last_activity_ms_ + kQuietMs > next_allowed_ms_ ? last_activity_ms_ + kQuietMs : next_allowed_ms_;
}

void IdleTrim::shorten(int& timeout_ms) const {
  if (!started_ || !dirty_) return;
  const long long now = now_ms(), due = due_ms();
  const long long left = due > now ? due - now : 0;
  if (timeout_ms < 0 || left < timeout_ms) timeout_ms = static_cast<int>(left);
}

void IdleTrim::run_if_due() {
  if (!started_ || !dirty_) return;
  const long long now = now_ms();
  if (now < due_ms()) return;
  trim_resident_memory();
  dirty_ = false;
  next_allowed_ms_ = now + gap_ms_;
  gap_ms_ = gap_ms_ * 2 > kMaxGapMs ? kMaxGapMs : gap_ms_ * 2;
}

}  // namespace sandbox
