#include "security/connect_notify.h"

#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stddef.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

namespace sandbox {
namespace {

#if defined(__x86_64__)
constexpr uint32_t kNativeArch = AUDIT_ARCH_X86_64;
#elif defined(__aarch64__)
constexpr uint32_t kNativeArch = AUDIT_ARCH_AARCH64;
#else
#error "connect_notify: add this architecture's AUDIT_ARCH"
#endif

// The low 32 bits of syscall argument `i` (the flags arguments are ints).
constexpr uint32_t arg_low(unsigned i) {
  return static_cast<uint32_t>(offsetof(seccomp_data, args) + 8 * i +
                               (__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__ ? 0 : 4));
}

constexpr sock_filter stmt(uint16_t code, uint32_t k) { return sock_filter{code, 0, 0, k}; }
constexpr sock_filter jump(uint16_t code, uint32_t k, uint8_t jt, uint8_t jf) { return sock_filter{code, jt, jf, k}; }

// Notified: connect (the bypass itself); listen and a send with MSG_FASTOPEN, the only other
// ways to make a TCP socket start or accept connections — the supervisor lets them through for
// the container's own sockets and refuses them on a host socket the bypass handed in, so such
// a socket can never reach the host's loopback or serve on a host port. Only the native ABI:
// 32-bit and x32 processes keep libslirp (their syscall numbers differ; nothing else changes).
// Everything else is allowed here; the container's own profile still applies on top (the
// kernel takes the strictest answer of all filters, so its errno/kill rules win).
constexpr sock_filter kProgram[] = {
    /* 0 */ stmt(BPF_LD | BPF_W | BPF_ABS, offsetof(seccomp_data, arch)),
    /* 1 */ jump(BPF_JMP | BPF_JEQ | BPF_K, kNativeArch, 0, 10),  // else -> 12 allow
    /* 2 */ stmt(BPF_LD | BPF_W | BPF_ABS, offsetof(seccomp_data, nr)),
    /* 3 */ jump(BPF_JMP | BPF_JEQ | BPF_K, __NR_connect, 9, 0),   // -> 13 notify
    /* 4 */ jump(BPF_JMP | BPF_JEQ | BPF_K, __NR_listen, 8, 0),    // -> 13 notify
    /* 5 */ jump(BPF_JMP | BPF_JEQ | BPF_K, __NR_sendto, 4, 0),    // -> 10 flags in arg 3
    /* 6 */ jump(BPF_JMP | BPF_JEQ | BPF_K, __NR_sendmmsg, 3, 0),  // -> 10 flags in arg 3
    /* 7 */ jump(BPF_JMP | BPF_JEQ | BPF_K, __NR_sendmsg, 0, 4),   // -> 8 flags in arg 2, else 12
    /* 8 */ stmt(BPF_LD | BPF_W | BPF_ABS, arg_low(2)),
    /* 9 */ jump(BPF_JMP | BPF_JSET | BPF_K, MSG_FASTOPEN, 3, 2),  // -> 13 notify, else 12
    /* 10 */ stmt(BPF_LD | BPF_W | BPF_ABS, arg_low(3)),
    /* 11 */ jump(BPF_JMP | BPF_JSET | BPF_K, MSG_FASTOPEN, 1, 0),  // -> 13 notify, else 12
    /* 12 */ stmt(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
    /* 13 */ stmt(BPF_RET | BPF_K, SECCOMP_RET_USER_NOTIF),
};

}  // namespace

int install_connect_notify(unique_fd& listener, Error& err) {
  sock_fprog prog{};
  prog.len = static_cast<unsigned short>(sizeof kProgram / sizeof kProgram[0]);
  prog.filter = const_cast<sock_filter*>(kProgram);
  long fd = ::syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, SECCOMP_FILTER_FLAG_NEW_LISTENER, &prog);
  if (fd < 0) return err.sys("seccomp: install the connect notifier for the outbound bypass");
  listener.reset(static_cast<int>(fd));
  return 0;
}

}  // namespace sandbox
