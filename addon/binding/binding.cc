// The Node binding: argument checks, JS <-> plain structs, and nothing else (STYLE.md). It
// never forks or joins namespaces: Node is multithreaded, so that work goes through the
// sandbox-monitor executable. Declared for TypeScript in src/runtime/native.d.ts and loaded
// only by src/runtime/native.ts.
#include <napi.h>

#include <cerrno>
#include <cstring>
#include <string>

#include "binding/host.h"

namespace {

using sandbox::binding::WindowSize;

// The one place a native failure becomes a JS exception: a plain Error whose `code` is the
// errno name (like Node's own fs errors), with `errno` and `syscall` beside it.
const char* errno_name(int e) {
#if defined(__GLIBC__) && __GLIBC_PREREQ(2, 32)
  return ::strerrorname_np(e);
#else
  // Older glibc and musl have no name lookup; the common ones are enough for callers.
  switch (e) {
    case EBADF: return "EBADF";
    case ENOTTY: return "ENOTTY";
    case EINVAL: return "EINVAL";
    case EIO: return "EIO";
    case EPERM: return "EPERM";
    default: return nullptr;
  }
#endif
}

Napi::Value throw_errno(Napi::Env env, int e, const char* syscall) {
  const char* name = errno_name(e);
  Napi::Error error = Napi::Error::New(env, std::string(syscall) + ": " + std::strerror(e));
  error.Set("code", Napi::String::New(env, name ? name : "EUNKNOWN"));
  error.Set("errno", Napi::Number::New(env, e));
  error.Set("syscall", Napi::String::New(env, syscall));
  error.ThrowAsJavaScriptException();
  return env.Undefined();
}

// Argument checks repeat native.ts's, so a direct caller cannot crash the process either.
bool uint_arg(const Napi::CallbackInfo& info, size_t i, const char* what, unsigned max, unsigned& out) {
  if (info.Length() > i && info[i].IsNumber()) {
    double d = info[i].As<Napi::Number>().DoubleValue();
    if (d >= 0 && d <= max && d == static_cast<double>(static_cast<unsigned>(d))) {
      out = static_cast<unsigned>(d);
      return true;
    }
  }
  Napi::TypeError error = Napi::TypeError::New(info.Env(), std::string(what) + " must be an integer from 0 to " + std::to_string(max));
  error.Set("code", Napi::String::New(info.Env(), "ERR_INVALID_ARG_TYPE"));
  error.ThrowAsJavaScriptException();
  return false;
}

constexpr unsigned kMaxFd = 0x7fffffff;
constexpr unsigned kMaxWinsize = 0xffff;

Napi::Value KernelRelease(const Napi::CallbackInfo& info) {
  std::string release;
  if (!sandbox::binding::kernel_release(release)) return throw_errno(info.Env(), errno, "uname");
  return Napi::String::New(info.Env(), release);
}

Napi::Value GetWindowSize(const Napi::CallbackInfo& info) {
  unsigned fd = 0;
  if (!uint_arg(info, 0, "fd", kMaxFd, fd)) return info.Env().Undefined();
  WindowSize ws;
  if (!sandbox::binding::get_window_size(static_cast<int>(fd), ws)) {
    // Not a terminal is an answer, not a failure.
    if (errno == ENOTTY || errno == EINVAL) return info.Env().Null();
    return throw_errno(info.Env(), errno, "ioctl(TIOCGWINSZ)");
  }
  Napi::Object out = Napi::Object::New(info.Env());
  out.Set("rows", Napi::Number::New(info.Env(), ws.rows));
  out.Set("cols", Napi::Number::New(info.Env(), ws.cols));
  return out;
}

Napi::Value SetWindowSize(const Napi::CallbackInfo& info) {
  unsigned fd = 0;
  WindowSize ws;
  if (!uint_arg(info, 0, "fd", kMaxFd, fd) || !uint_arg(info, 1, "rows", kMaxWinsize, ws.rows) ||
      !uint_arg(info, 2, "cols", kMaxWinsize, ws.cols))
    return info.Env().Undefined();
  if (!sandbox::binding::set_window_size(static_cast<int>(fd), ws))
    return throw_errno(info.Env(), errno, "ioctl(TIOCSWINSZ)");
  return info.Env().Undefined();
}

Napi::Value IsTerminal(const Napi::CallbackInfo& info) {
  unsigned fd = 0;
  if (!uint_arg(info, 0, "fd", kMaxFd, fd)) return info.Env().Undefined();
  return Napi::Boolean::New(info.Env(), sandbox::binding::is_terminal(static_cast<int>(fd)));
}

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  exports.Set("kernelRelease", Napi::Function::New(env, KernelRelease, "kernelRelease"));
  exports.Set("getWindowSize", Napi::Function::New(env, GetWindowSize, "getWindowSize"));
  exports.Set("setWindowSize", Napi::Function::New(env, SetWindowSize, "setWindowSize"));
  exports.Set("isatty", Napi::Function::New(env, IsTerminal, "isatty"));
  return exports;
}

}  // namespace

NODE_API_MODULE(sandbox, Init)
