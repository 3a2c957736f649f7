// The monitor's signals, read from a signalfd in its event loop rather than by handlers: the
// loop decides, in ordinary code, whether a signal is passed on to the container (docker's
// --sig-proxy) or means "stop everything".
#pragma once
#include "sandbox/error.h"
#include "sandbox/unique_fd.h"

namespace sandbox {

// Block every asynchronous signal we act on and return a signalfd for them. Call before
// cloning the init, so a signal that arrives during setup waits in the fd instead of killing
// the monitor with its default action. Also ignores SIGPIPE: a gone CLI must not kill us.
unique_fd take_over_signals(Error& err);

enum class SignalAction {
  Forward,        // pass it on to the container's init
  KillContainer,  // its default would end the monitor: SIGKILL the container instead
  Ignore,
};

// What the monitor does with `sig` (pure).
SignalAction signal_action(int sig);

}  // namespace sandbox
