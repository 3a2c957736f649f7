// libfuse3 is opened with dlopen by the FUSE overlay server alone (sandbox/lazy_lib.h), instead
// of being linked into every monitor: a monitor (of any container) mapped it, relocated it at
// start and kept its relocated pages private for the container's life, though only the
// fuse-overlay server child calls it. fuse/ops.cc, ops_io.cc and server.cc call these forwarders
// as they would the library's; a libfuse function used there without its line here fails the
// link: add it to kApi's list below and a forwarder.
//
// Each is resolved at the exact version node the link used to bind (dlvsym): libfuse3 keeps
// several fuse_session_loop_mt, and FUSE_USE_VERSION 312 means the 3.12 one.
#include <dlfcn.h>

#include <cstdio>
#include <string>

#include "fuse/ops.h"
#include "fuse/server.h"

namespace {

#define SANDBOX_FUSE_API(X)                                                       \
  X(fuse_add_direntry, "FUSE_3.0")                                                \
  X(fuse_add_direntry_plus, "FUSE_3.0")                                           \
  X(fuse_buf_copy, "FUSE_3.0")                                                    \
  X(fuse_buf_size, "FUSE_3.0")                                                    \
  X(fuse_loop_cfg_create, "FUSE_3.12")                                            \
  X(fuse_loop_cfg_destroy, "FUSE_3.12")                                           \
  X(fuse_loop_cfg_set_idle_threads, "FUSE_3.12")                                  \
  X(fuse_loop_cfg_set_max_threads, "FUSE_3.12")                                   \
  X(fuse_reply_attr, "FUSE_3.0")                                                  \
  X(fuse_reply_buf, "FUSE_3.0")                                                   \
  X(fuse_reply_create, "FUSE_3.0")                                                \
  X(fuse_reply_data, "FUSE_3.0")                                                  \
  X(fuse_reply_entry, "FUSE_3.0")                                                 \
  X(fuse_reply_err, "FUSE_3.0")                                                   \
  X(fuse_reply_lseek, "FUSE_3.0")                                                 \
  X(fuse_reply_none, "FUSE_3.0")                                                  \
  X(fuse_reply_open, "FUSE_3.0")                                                  \
  X(fuse_reply_readlink, "FUSE_3.0")                                              \
  X(fuse_reply_statfs, "FUSE_3.0")                                                \
  X(fuse_reply_write, "FUSE_3.0")                                                 \
  X(fuse_reply_xattr, "FUSE_3.0")                                                 \
  X(fuse_req_ctx, "FUSE_3.0")                                                     \
  X(fuse_req_userdata, "FUSE_3.0")                                                \
  X(fuse_session_custom_io, "FUSE_3.0")                                           \
  X(fuse_session_destroy, "FUSE_3.0")                                             \
  X(fuse_session_loop_mt, "FUSE_3.12")                                            \
  X(fuse_session_new, "FUSE_3.0")                                                 \
  X(fuse_set_log_func, "FUSE_3.7")

struct Api {
#define SANDBOX_FUSE_FIELD(name, version) decltype(&::name) name = nullptr;
  SANDBOX_FUSE_API(SANDBOX_FUSE_FIELD)
#undef SANDBOX_FUSE_FIELD
};

Api api;

}  // namespace

namespace sandbox::fuse {

int load_fuse(Error& err) {
  static void* handle = nullptr;
  if (handle) return 0;
  void* h = ::dlopen("libfuse3.so.3", RTLD_NOW | RTLD_LOCAL);
  if (!h) {
    const char* why = ::dlerror();
    return err.fail(std::string("load libfuse3 (apt-get install libfuse3-3): ") + (why ? why : "not found"), ENOENT);
  }
#define SANDBOX_FUSE_RESOLVE(name, version)                                                   \
  api.name = reinterpret_cast<decltype(api.name)>(::dlvsym(h, #name, version));               \
  if (!api.name) return err.fail(std::string("libfuse3.so.3 has no " #name "@") + version, ENOENT);
  SANDBOX_FUSE_API(SANDBOX_FUSE_RESOLVE)
#undef SANDBOX_FUSE_RESOLVE
  handle = h;  // never dlclose'd: libfuse's threads run its code until the process exits
  return 0;
}

}  // namespace sandbox::fuse

// The forwarders. load_fuse has resolved every pointer before the first of them is called (the
// server loads the library before it starts libfuse's threads).
size_t fuse_add_direntry(fuse_req_t req, char* buf, size_t bufsize, const char* name, const struct stat* stbuf, off_t off) {
  return api.fuse_add_direntry(req, buf, bufsize, name, stbuf, off);
}
size_t fuse_add_direntry_plus(fuse_req_t req, char* buf, size_t bufsize, const char* name, const fuse_entry_param* e, off_t off) {
  return api.fuse_add_direntry_plus(req, buf, bufsize, name, e, off);
}
ssize_t fuse_buf_copy(fuse_bufvec* dst, fuse_bufvec* src, fuse_buf_copy_flags flags) { return api.fuse_buf_copy(dst, src, flags); }
size_t fuse_buf_size(const fuse_bufvec* bufv) { return api.fuse_buf_size(bufv); }
fuse_loop_config* fuse_loop_cfg_create() { return api.fuse_loop_cfg_create(); }
void fuse_loop_cfg_destroy(fuse_loop_config* config) { api.fuse_loop_cfg_destroy(config); }
void fuse_loop_cfg_set_idle_threads(fuse_loop_config* config, unsigned int value) { api.fuse_loop_cfg_set_idle_threads(config, value); }
void fuse_loop_cfg_set_max_threads(fuse_loop_config* config, unsigned int value) { api.fuse_loop_cfg_set_max_threads(config, value); }
int fuse_reply_attr(fuse_req_t req, const struct stat* attr, double attr_timeout) { return api.fuse_reply_attr(req, attr, attr_timeout); }
int fuse_reply_buf(fuse_req_t req, const char* buf, size_t size) { return api.fuse_reply_buf(req, buf, size); }
int fuse_reply_create(fuse_req_t req, const fuse_entry_param* e, const fuse_file_info* fi) { return api.fuse_reply_create(req, e, fi); }
int fuse_reply_data(fuse_req_t req, fuse_bufvec* bufv, fuse_buf_copy_flags flags) { return api.fuse_reply_data(req, bufv, flags); }
int fuse_reply_entry(fuse_req_t req, const fuse_entry_param* e) { return api.fuse_reply_entry(req, e); }
int fuse_reply_err(fuse_req_t req, int err) { return api.fuse_reply_err(req, err); }
int fuse_reply_lseek(fuse_req_t req, off_t off) { return api.fuse_reply_lseek(req, off); }
void fuse_reply_none(fuse_req_t req) { api.fuse_reply_none(req); }
int fuse_reply_open(fuse_req_t req, const fuse_file_info* fi) { return api.fuse_reply_open(req, fi); }
int fuse_reply_readlink(fuse_req_t req, const char* link) { return api.fuse_reply_readlink(req, link); }
int fuse_reply_statfs(fuse_req_t req, const struct statvfs* stbuf) { return api.fuse_reply_statfs(req, stbuf); }
int fuse_reply_write(fuse_req_t req, size_t count) { return api.fuse_reply_write(req, count); }
int fuse_reply_xattr(fuse_req_t req, size_t count) { return api.fuse_reply_xattr(req, count); }
const fuse_ctx* fuse_req_ctx(fuse_req_t req) { return api.fuse_req_ctx(req); }
void* fuse_req_userdata(fuse_req_t req) { return api.fuse_req_userdata(req); }
int fuse_session_custom_io(fuse_session* se, const fuse_custom_io* io, int fd) { return api.fuse_session_custom_io(se, io, fd); }
void fuse_session_destroy(fuse_session* se) { api.fuse_session_destroy(se); }
int fuse_session_loop_mt(fuse_session* se, fuse_loop_config* config) { return api.fuse_session_loop_mt(se, config); }
fuse_session* fuse_session_new(fuse_args* args, const fuse_lowlevel_ops* op, size_t op_size, void* userdata) {
  return api.fuse_session_new(args, op, op_size, userdata);
}
void fuse_set_log_func(fuse_log_func_t func) { api.fuse_set_log_func(func); }
