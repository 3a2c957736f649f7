// libslirp (and glib, pcre2, libm behind it) is loaded by the slirp child alone, at its first
// call, instead of being linked into every monitor (sandbox/lazy_lib.h): a monitor of a
// container without the slirp network (none, host) never maps it, and a monitor with one no
// longer keeps its own relocated copy of glib's pages and glib's start-up allocations beside the
// child's. net/slirp_child.cc and the networks' switch (net/switch_uplink.cc) call these as they
// would the library's; a libslirp function used there without a forwarder here fails the link:
// add its line.
#include <slirp/libslirp.h>

#include "monitor/trim.h"
#include "sandbox/lazy_lib.h"

namespace {

sandbox::lazy::Library& slirp_library() {
  static sandbox::lazy::Library lib("libslirp.so.0");
  return lib;
}

}  // namespace

using sandbox::lazy::call_or_die;

Slirp* slirp_new(const SlirpConfig* cfg, const SlirpCb* callbacks, void* opaque) {
  static decltype(&::slirp_new) fn;
  Slirp* slirp = call_or_die(slirp_library(), fn, "slirp_new", cfg, callbacks, opaque);
  // Loading and relocating the libraries touched pages of them the loop never needs again.
  sandbox::trim_resident_memory();
  return slirp;
}

void slirp_input(Slirp* slirp, const uint8_t* pkt, int pkt_len) {
  static decltype(&::slirp_input) fn;
  call_or_die(slirp_library(), fn, "slirp_input", slirp, pkt, pkt_len);
}

void slirp_pollfds_fill(Slirp* slirp, uint32_t* timeout, SlirpAddPollCb add_poll, void* opaque) {
  static decltype(&::slirp_pollfds_fill) fn;
  call_or_die(slirp_library(), fn, "slirp_pollfds_fill", slirp, timeout, add_poll, opaque);
}

void slirp_pollfds_poll(Slirp* slirp, int select_error, SlirpGetREventsCb get_revents, void* opaque) {
  static decltype(&::slirp_pollfds_poll) fn;
  call_or_die(slirp_library(), fn, "slirp_pollfds_poll", slirp, select_error, get_revents, opaque);
}

void slirp_handle_timer(Slirp* slirp, SlirpTimerId id, void* cb_opaque) {
  static decltype(&::slirp_handle_timer) fn;
  call_or_die(slirp_library(), fn, "slirp_handle_timer", slirp, id, cb_opaque);
}

// The user-defined networks' switch (net/switch_uplink.cc) tears its uplink down on exit.
void slirp_cleanup(Slirp* slirp) {
  static decltype(&::slirp_cleanup) fn;
  call_or_die(slirp_library(), fn, "slirp_cleanup", slirp);
}
