// Helpers shared by the two halves of the FUSE operations (ops.cc: names; ops_io.cc: data,
// directories, xattrs).
#pragma once
#include <cstring>
#include <mutex>
#include <string>

#include "fuse/ops.h"

namespace sandbox::fuse::detail {

inline constexpr double kTimeout = 86400.0;
inline constexpr char kOverlayXattrPrefix[] = "user.overlay.";

inline Overlay& ov(fuse_req_t req) { return *static_cast<Overlay*>(fuse_req_userdata(req)); }
inline Node* node(Overlay& o, fuse_ino_t ino) {
  return ino == FUSE_ROOT_ID ? &o.root : reinterpret_cast<Node*>(static_cast<uintptr_t>(ino));
}
inline fuse_ino_t id(Overlay& o, Node* n) {
  return n == &o.root ? FUSE_ROOT_ID : static_cast<fuse_ino_t>(reinterpret_cast<uintptr_t>(n));
}
inline std::string join(const std::string& dir, const char* name) {
  return dir == "." ? std::string(name) : dir + "/" + name;
}
inline bool own_xattr(const char* name) {
  return std::strncmp(name, kOverlayXattrPrefix, sizeof kOverlayXattrPrefix - 1) == 0;
}

// Set once in init (before any other request) when the kernel grants the writeback cache.
inline bool writeback = false;

// Links made through this mount share a node, but two names of one lower-layer inode are two
// nodes (as in the kernel overlay): a change through one must not hide behind the other's
// cached attributes.
inline double attr_timeout(const struct stat& st) {
  return (!S_ISDIR(st.st_mode) && st.st_nlink > 1) ? 0.0 : kTimeout;
}

inline void reply_entry(fuse_req_t req, Overlay& o, Node* n, const struct stat& st) {
  fuse_entry_param e{};
  e.ino = id(o, n);
  e.attr = st;
  e.attr_timeout = attr_timeout(st);
  e.entry_timeout = kTimeout;
  n->nlookup++;
  fuse_reply_entry(req, &e);
}

struct Held {
  explicit Held(Overlay& o) : lock(o.mu) {}
  std::lock_guard<std::mutex> lock;
};

}  // namespace sandbox::fuse::detail
