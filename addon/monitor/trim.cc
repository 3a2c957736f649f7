#include "monitor/trim.h"

#include <fcntl.h>
#include <malloc.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace sandbox {
namespace {

// One mapping of /proc/self/smaps while its fields are read.
struct Pending {
  unsigned long start = 0, end = 0;
  bool candidate = false;  // private, not writable, backed by a file
};

void apply(const Pending& p) {
  if (p.candidate) ::madvise(reinterpret_cast<void*>(p.start), p.end - p.start, MADV_DONTNEED);
}

// The stack below us: setup's deep calls dirtied it once and the loop never goes that deep
// again. A page of margin below this frame covers the red zone and madvise's own call; a
// deeper call later just faults fresh zero pages in, as any stack growth does.
void trim_stack(unsigned long stack_start) {
  char here;
  const unsigned long page = static_cast<unsigned long>(::sysconf(_SC_PAGESIZE));
  const unsigned long below = (reinterpret_cast<unsigned long>(&here) & ~(page - 1)) - page;
  if (stack_start != 0 && below > stack_start)
    ::madvise(reinterpret_cast<void*>(stack_start), below - stack_start, MADV_DONTNEED);
}

// Returns where the stack mapping starts. Not inlined: its 8 KB buffer must be below the frame
// trim_stack measures from, so that it is trimmed too.
__attribute__((noinline)) unsigned long trim_mappings() {
  // smaps rather than maps: a read-only mapping may still hold private copies (RELRO: the GOT
  // and vtables the dynamic linker relocated, then made read-only). Those show as Anonymous
  // pages and must stay; dropping them would bring back the unrelocated file contents.
  // Fixed buffer, no allocation: heap growth here would be the memory we are giving back.
  int fd = ::open("/proc/self/smaps", O_RDONLY | O_CLOEXEC);
  if (fd < 0) return 0;
  char buf[8192];
  size_t have = 0;
  Pending cur;
  unsigned long stack_start = 0;
  for (;;) {
    ssize_t n = ::read(fd, buf + have, sizeof buf - have - 1);
    if (n > 0) have += static_cast<size_t>(n);
    buf[have] = '\0';
    char* line = buf;
    char* nl;
    while ((nl = std::strchr(line, '\n')) != nullptr) {
      *nl = '\0';
      unsigned long start = 0, end = 0, inode = 0, kb = 0;
      char perms[5] = {0};
      int name_at = 0;
      if (std::sscanf(line, "%lx-%lx %4s %*x %*x:%*x %lu %n", &start, &end, perms, &inode, &name_at) >= 4 &&
          std::strchr(line, '-') < std::strchr(line, ' ')) {
        apply(cur);  // the previous mapping's fields are complete
        if (std::strstr(line, "[stack]")) stack_start = start;
        cur = {start, end, inode != 0 && perms[1] == '-' && perms[3] == 'p' && name_at > 0 && line[name_at] == '/'};
      } else if (std::sscanf(line, "Anonymous: %lu kB", &kb) == 1 && kb > 0) {
        cur.candidate = false;
      }
      line = nl + 1;
    }
    size_t rest = have - static_cast<size_t>(line - buf);
    std::memmove(buf, line, rest);
    have = rest;
    if (n <= 0) break;
  }
  apply(cur);
  ::close(fd);
  return stack_start;
}

}  // namespace

void trim_resident_memory() {
  ::malloc_trim(0);
  trim_stack(trim_mappings());
}

}  // namespace sandbox
