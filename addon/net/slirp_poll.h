// libslirp names its poll events SLIRP_POLL_*; the monitor's loop and the networks' switch
// both hand libslirp's sockets to poll(2). One translation for both.
#pragma once
#include <poll.h>
#include <slirp/libslirp.h>

namespace sandbox::net {

inline short slirp_to_poll(int e) {
  short r = 0;
  if (e & SLIRP_POLL_IN) r |= POLLIN;
  if (e & SLIRP_POLL_OUT) r |= POLLOUT;
  if (e & SLIRP_POLL_PRI) r |= POLLPRI;
  return r;
}

inline int poll_to_slirp(short r) {
  int e = 0;
  if (r & POLLIN) e |= SLIRP_POLL_IN;
  if (r & POLLOUT) e |= SLIRP_POLL_OUT;
  if (r & POLLPRI) e |= SLIRP_POLL_PRI;
  if (r & POLLERR) e |= SLIRP_POLL_ERR;
  if (r & POLLHUP) e |= SLIRP_POLL_HUP;
  return e;
}

}  // namespace sandbox::net
