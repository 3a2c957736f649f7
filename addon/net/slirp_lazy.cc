// libslirp (and glib, pcre2, libm behind it) is opened with dlopen by the monitors that serve a
// default network (load_slirp, right after the init is released) and by the networks' switch,
// instead of being linked into every monitor (sandbox/lazy_lib.h): a monitor of a container
// without the slirp network (none, host, user-defined networks only) never maps it.
// net/slirp_network.cc and the switch (net/switch_uplink.cc) call these forwarders as they would
// the library's; a libslirp function used there without its line here fails the link: add it
// to Api, resolve_all and the forwarders.
#include <slirp/libslirp.h>

#include <cstdio>

#include "net/slirp_network.h"
#include "sandbox/lazy_lib.h"

namespace {

struct Api {
  decltype(&::slirp_new) new_ = nullptr;
  decltype(&::slirp_input) input = nullptr;
  decltype(&::slirp_pollfds_fill) pollfds_fill = nullptr;
  decltype(&::slirp_pollfds_poll) pollfds_poll = nullptr;
  decltype(&::slirp_handle_timer) handle_timer = nullptr;
  decltype(&::slirp_cleanup) cleanup = nullptr;
};

Api api;
bool loaded = false;

bool resolve_all(sandbox::Error& err) {
  if (loaded) return true;
  static sandbox::lazy::Library lib("libslirp.so.0");
  loaded = lib.resolve(api.new_, "slirp_new", err) && lib.resolve(api.input, "slirp_input", err) &&
           lib.resolve(api.pollfds_fill, "slirp_pollfds_fill", err) &&
           lib.resolve(api.pollfds_poll, "slirp_pollfds_poll", err) &&
           lib.resolve(api.handle_timer, "slirp_handle_timer", err) &&
           lib.resolve(api.cleanup, "slirp_cleanup", err);
  return loaded;
}

// The switch calls slirp_new without load_slirp: a library that can't be loaded ends it.
void ensure_loaded() {
  sandbox::Error err;
  if (resolve_all(err)) return;
  std::fprintf(stderr, "sandbox-monitor: %s\n", err.message.c_str());
  ::_exit(127);
}

}  // namespace

namespace sandbox::net {

int load_slirp(Error& err) {
  if (resolve_all(err)) return 0;
  err.message = "load libslirp (apt-get install libslirp0): " + err.message;
  return -1;
}

}  // namespace sandbox::net

Slirp* slirp_new(const SlirpConfig* cfg, const SlirpCb* callbacks, void* opaque) {
  ensure_loaded();
  return api.new_(cfg, callbacks, opaque);
}

// After slirp_new, every pointer is resolved.
void slirp_input(Slirp* slirp, const uint8_t* pkt, int pkt_len) { api.input(slirp, pkt, pkt_len); }

void slirp_pollfds_fill(Slirp* slirp, uint32_t* timeout, SlirpAddPollCb add_poll, void* opaque) {
  api.pollfds_fill(slirp, timeout, add_poll, opaque);
}

void slirp_pollfds_poll(Slirp* slirp, int select_error, SlirpGetREventsCb get_revents, void* opaque) {
  api.pollfds_poll(slirp, select_error, get_revents, opaque);
}

void slirp_handle_timer(Slirp* slirp, SlirpTimerId id, void* cb_opaque) { api.handle_timer(slirp, id, cb_opaque); }

void slirp_cleanup(Slirp* slirp) { api.cleanup(slirp); }
