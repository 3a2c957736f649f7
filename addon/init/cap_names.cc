#include "init/cap_names.h"

#include <string_view>

namespace sandbox {
namespace {

// Index = capability number (linux/capability.h); keep in kernel order.
constexpr std::string_view kNames[] = {
    "CAP_CHOWN",            "CAP_DAC_OVERRIDE",    "CAP_DAC_READ_SEARCH", "CAP_FOWNER",
    "CAP_FSETID",           "CAP_KILL",            "CAP_SETGID",          "CAP_SETUID",
    "CAP_SETPCAP",          "CAP_LINUX_IMMUTABLE", "CAP_NET_BIND_SERVICE", "CAP_NET_BROADCAST",
    "CAP_NET_ADMIN",        "CAP_NET_RAW",         "CAP_IPC_LOCK",        "CAP_IPC_OWNER",
    "CAP_SYS_MODULE",       "CAP_SYS_RAWIO",       "CAP_SYS_CHROOT",      "CAP_SYS_PTRACE",
    "CAP_SYS_PACCT",        "CAP_SYS_ADMIN",       "CAP_SYS_BOOT",        "CAP_SYS_NICE",
    "CAP_SYS_RESOURCE",     "CAP_SYS_TIME",        "CAP_SYS_TTY_CONFIG",  "CAP_MKNOD",
    "CAP_LEASE",            "CAP_AUDIT_WRITE",     "CAP_AUDIT_CONTROL",   "CAP_SETFCAP",
    "CAP_MAC_OVERRIDE",     "CAP_MAC_ADMIN",       "CAP_SYSLOG",          "CAP_WAKE_ALARM",
    "CAP_BLOCK_SUSPEND",    "CAP_AUDIT_READ",      "CAP_PERFMON",         "CAP_BPF",
    "CAP_CHECKPOINT_RESTORE",
};
constexpr int kCount = static_cast<int>(sizeof kNames / sizeof kNames[0]);
static_assert(kCount == 41, "CAP_CHECKPOINT_RESTORE is 40");

}  // namespace

int cap_from_name(const std::string& name) {
  for (int i = 0; i < kCount; i++)
    if (kNames[i] == name) return i;
  return -1;
}

std::string cap_name(int cap) {
  return cap >= 0 && cap < kCount ? std::string(kNames[cap]) : std::string();
}

int cap_last_known() { return kCount - 1; }

}  // namespace sandbox
