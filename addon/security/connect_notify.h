// The outbound-TCP bypass's half inside the container (docs/networks.md, "Outbound TCP
// without libslirp"): a second, tiny seccomp filter that hands connect(2) — and the few calls
// that could start or serve a connection on a socket the bypass put into the container — to a
// supervisor in the monitor's loop, through a seccomp user-notification listener.
#pragma once
#include "sandbox/error.h"
#include "sandbox/unique_fd.h"

namespace sandbox {

// Install the notify filter on the calling thread and return its listener (O_CLOEXEC) in
// `listener`. Like every filter without no_new_privs it needs CAP_SYS_ADMIN in our user
// namespace. Returns -1 with `err` set when the kernel refuses (the caller runs without the
// bypass then: connects go through libslirp as before).
int install_connect_notify(unique_fd& listener, Error& err);

}  // namespace sandbox
