#include "init/caps.h"

#include <linux/capability.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

namespace sandbox {
namespace {

bool has(CapSet set, int cap) { return cap < 64 && (set >> cap) & 1; }

}  // namespace

int drop_bounding_set(CapSet keep, Error& err) {
  // PR_CAPBSET_READ answers EINVAL past the kernel's last capability, which is how we learn
  // it without reading /proc (a newer kernel's extra capabilities get dropped too).
  for (int cap = 0;; cap++) {
    int in = ::prctl(PR_CAPBSET_READ, cap, 0, 0, 0);
    if (in < 0) break;
    if (in == 0 || has(keep, cap)) continue;
    if (::prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) < 0) {
      std::string name = cap_name(cap);
      return err.sys("drop " + (name.empty() ? "capability " + std::to_string(cap) : name) +
                     " from the bounding set");
    }
  }
  return 0;
}

int apply_capabilities(const Capabilities& caps, Error& err) {
  __user_cap_header_struct header{};
  header.version = _LINUX_CAPABILITY_VERSION_3;
  header.pid = 0;
  __user_cap_data_struct data[_LINUX_CAPABILITY_U32S_3]{};
  for (int i = 0; i < _LINUX_CAPABILITY_U32S_3; i++) {
    data[i].effective = static_cast<uint32_t>(caps.effective >> (32 * i));
    data[i].permitted = static_cast<uint32_t>(caps.permitted >> (32 * i));
    data[i].inheritable = static_cast<uint32_t>(caps.inheritable >> (32 * i));
  }
  if (::syscall(SYS_capset, &header, data) < 0) return err.sys("capset");

  // Ambient capabilities survive execve for a non-root user; they must be in both permitted
  // and inheritable, which is why they are raised only after capset.
  if (::prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0)
    return err.sys("clear the ambient capabilities");
  for (int cap = 0; cap < 64; cap++) {
    if (!has(caps.ambient, cap)) continue;
    if (::prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, cap, 0, 0) < 0)
      return err.sys("raise ambient " + cap_name(cap));
  }
  return 0;
}

}  // namespace sandbox
