// Libraries that only some runs need, opened with dlopen where they are used instead of being
// linked into sandbox-monitor. Every linked library costs every monitor of every container
// twice: at start (the dynamic linker maps and relocates it, and everything it needs) and for
// as long as the container runs (its relocated GOT and data pages are private memory). libsystemd,
// needed only to ask systemd for a cgroup scope, brought six more libraries with it.
//
// To make a library lazy:
//   1. cmake/NativeDeps.cmake: move its pkg-config module to SANDBOX_LAZY_MODULES (headers, no link).
//   2. Where it is used, keep including its header and resolve the functions you call once,
//      typed by their own declarations, so a wrong signature can't compile:
//        struct Api { decltype(&::sd_bus_open_user) open_user; ... };
//        static lazy::Library lib("libsystemd.so.0");   // the soname of the runtime package
//        if (!lib.resolve(api.open_user, "sd_bus_open_user", err)) return -1;
//   3. Call through the pointers. A missing library is an Error naming it, at the point of use.
//
// Or, where the callers should stay as they are (libslirp in net/slirp_network.cc and the
// switch), define the library's functions yourself as forwarders, in one file
// (addon/net/slirp_lazy.cc, which also resolves them all up front for load_slirp):
//        Slirp* slirp_new(const SlirpConfig* c, const SlirpCb* cb, void* o) {
//          static decltype(&::slirp_new) fn;
//          return lazy::call_or_die(slirp_library(), fn, "slirp_new", c, cb, o);
//        }
//   A function used without a forwarder fails the link (undefined reference): add its line.
//   A library that can't be loaded ends the process with the reason: use this only in a child
//   for which that is the right answer, or load it first where a failure can be reported. Never dlopen after the init's pivot_root: the library
//   would be looked up in the container's root.
#pragma once
#include <dlfcn.h>
#include <unistd.h>

#include <cstdio>
#include <string>

#include "sandbox/error.h"

namespace sandbox::lazy {

class Library {
 public:
  explicit Library(const char* soname) : soname_(soname) {}
  Library(const Library&) = delete;
  Library& operator=(const Library&) = delete;
  // Never dlclose'd: resolved pointers stay valid for the life of the process.

  // Opens the library on first use (RTLD_LOCAL: its symbols stay out of the global scope).
  bool open(Error& err) {
    if (handle_) return true;
    handle_ = ::dlopen(soname_, RTLD_NOW | RTLD_LOCAL);
    if (!handle_) {
      const char* why = ::dlerror();
      err.fail(why ? why : std::string("cannot load ") + soname_, ENOENT);
      return false;
    }
    return true;
  }

  // `fn` = the library's `name`, with the type `fn` was declared with.
  template <typename F>
  bool resolve(F& fn, const char* name, Error& err) {
    if (!open(err)) return false;
    void* sym = ::dlsym(handle_, name);
    if (!sym) {
      err.fail(std::string(soname_) + " has no " + name, ENOENT);
      return false;
    }
    fn = reinterpret_cast<F>(sym);
    return true;
  }

 private:
  const char* soname_;
  void* handle_ = nullptr;
};

// The forwarder body: resolves `fn` on first use, then calls it.
template <typename F, typename... Args>
auto call_or_die(Library& lib, F& fn, const char* name, Args... args) {
  if (!fn) {
    Error err;
    if (!lib.resolve(fn, name, err)) {
      std::fprintf(stderr, "sandbox-monitor: %s\n", err.message.c_str());
      ::_exit(127);
    }
  }
  return fn(args...);
}

}  // namespace sandbox::lazy
