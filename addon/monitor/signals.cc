#include "monitor/signals.h"

#include <signal.h>
#include <sys/signalfd.h>

#include <iterator>

namespace sandbox {
namespace {

// Docker's sig-proxy set for a foreground container.
constexpr int kForwarded[] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2, SIGWINCH};

// Left at their defaults: faults must still kill us (and show up as crashes), SIGCHLD is
// watched through the pidfd, and job control stops/continues the monitor like any foreground
// program.
constexpr int kUntouched[] = {SIGKILL, SIGSTOP, SIGSEGV, SIGBUS,  SIGILL,  SIGFPE,  SIGTRAP,
                              SIGSYS,  SIGABRT, SIGCHLD, SIGTSTP, SIGTTIN, SIGTTOU, SIGCONT,
                              SIGPIPE, SIGURG};

bool in(const int* list, size_t n, int sig) {
  for (size_t i = 0; i < n; i++)
    if (list[i] == sig) return true;
  return false;
}

}  // namespace

SignalAction signal_action(int sig) {
  if (in(kForwarded, std::size(kForwarded), sig)) return SignalAction::Forward;
  if (in(kUntouched, std::size(kUntouched), sig)) return SignalAction::Ignore;
  // Everything else we block has "terminate" as its default (SIGALRM, SIGXCPU, SIGPWR,
  // real-time signals, ...): someone asked the monitor to end, and a container without its
  // monitor would linger unreaped and unreported.
  return SignalAction::KillContainer;
}

unique_fd take_over_signals(Error& err) {
  ::signal(SIGPIPE, SIG_IGN);
  sigset_t set;
  sigemptyset(&set);
  for (int sig = 1; sig < NSIG; sig++)
    if (!in(kUntouched, std::size(kUntouched), sig)) sigaddset(&set, sig);
  if (::sigprocmask(SIG_BLOCK, &set, nullptr) < 0) {
    err.sys("block signals");
    return unique_fd();
  }
  unique_fd fd(::signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK));
  if (!fd) err.sys("signalfd");
  return fd;
}

}  // namespace sandbox
