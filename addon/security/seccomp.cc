#include "security/seccomp.h"

#include <fcntl.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <seccomp.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cctype>
#include <cmath>
#include <memory>
#include <string_view>

#include "sandbox/unique_fd.h"

namespace sandbox {
namespace {

using json::Value;

bool bad(Error& err, const std::string& where, const std::string& what) {
  err.fail(where + ": " + what, EINVAL);
  return false;
}

struct Named {
  std::string_view name;
  uint32_t value;
};

// Actions that take no errno. SCMP_ACT_NOTIFY is left out on purpose: nobody in the monitor
// listens on a notify fd, so a notified syscall would hang the container.
constexpr Named kActions[] = {
    {"SCMP_ACT_ALLOW", SCMP_ACT_ALLOW},
    {"SCMP_ACT_KILL", SCMP_ACT_KILL_THREAD},
    {"SCMP_ACT_KILL_THREAD", SCMP_ACT_KILL_THREAD},
    {"SCMP_ACT_KILL_PROCESS", SCMP_ACT_KILL_PROCESS},
    {"SCMP_ACT_TRAP", SCMP_ACT_TRAP},
    {"SCMP_ACT_LOG", SCMP_ACT_LOG},
};

constexpr Named kOps[] = {
    {"SCMP_CMP_NE", SCMP_CMP_NE}, {"SCMP_CMP_LT", SCMP_CMP_LT},
    {"SCMP_CMP_LE", SCMP_CMP_LE}, {"SCMP_CMP_EQ", SCMP_CMP_EQ},
    {"SCMP_CMP_GE", SCMP_CMP_GE}, {"SCMP_CMP_GT", SCMP_CMP_GT},
    {"SCMP_CMP_MASKED_EQ", SCMP_CMP_MASKED_EQ},
};

// JSON numbers are doubles: seccomp values past 2^53 can't be written exactly and are refused
// rather than silently rounded into a different filter.
bool get_u64(const Value& v, const std::string& where, uint64_t& out, Error& err) {
  if (v.is_null()) {
    out = 0;
    return true;
  }
  if (!v.is_number()) return bad(err, where, "want a number");
  double d = v.as_number();
  if (d < 0 || d != std::floor(d) || d > 9007199254740991.0)
    return bad(err, where, "want an integer from 0 to 2^53-1");
  out = static_cast<uint64_t>(d);
  return true;
}

// "SCMP_ACT_ERRNO" + errnoRet -> one token; errnoRet absent means EPERM, as in docker.
bool get_action(const Value& action, const Value& errno_ret, const std::string& where,
                uint32_t& out, Error& err) {
  if (!action.is_string()) return bad(err, where, "want an action string");
  const std::string& a = action.as_string();
  if (a == "SCMP_ACT_ERRNO" || a == "SCMP_ACT_TRACE") {
    uint64_t e = a == "SCMP_ACT_ERRNO" ? EPERM : 0;
    if (!errno_ret.is_null() && !get_u64(errno_ret, where + " errnoRet", e, err)) return false;
    if (e > 0xFFFF) return bad(err, where, "errnoRet must be below 65536");
    out = a == "SCMP_ACT_ERRNO" ? SCMP_ACT_ERRNO(e) : SCMP_ACT_TRACE(e);
    return true;
  }
  for (const auto& k : kActions)
    if (k.name == a) {
      out = k.value;
      return true;
    }
  return bad(err, where, "unknown or unsupported action '" + a + "'");
}

bool parse_rule(const Value& r, const std::string& where, SeccompRule& out, Error& err) {
  if (!r.is_object()) return bad(err, where, "want an object");
  for (const auto& n : r["names"].items()) {
    if (!n.is_string()) return bad(err, where + ".names", "want strings");
    out.names.push_back(n.as_string());
  }
  if (out.names.empty()) return bad(err, where + ".names", "no syscall names");
  if (!get_action(r["action"], r["errnoRet"], where + ".action", out.action, err)) return false;
  const auto& args = r["args"].items();
  for (size_t i = 0; i < args.size(); i++) {
    std::string at = where + ".args[" + std::to_string(i) + "]";
    SeccompArg a;
    uint64_t index = 0;
    if (!get_u64(args[i]["index"], at + ".index", index, err)) return false;
    if (index > 5) return bad(err, at + ".index", "a syscall has 6 arguments (0-5)");
    a.index = static_cast<unsigned>(index);
    if (!get_u64(args[i]["value"], at + ".value", a.value, err) ||
        !get_u64(args[i]["valueTwo"], at + ".valueTwo", a.value_two, err))
      return false;
    const std::string op = args[i]["op"].is_string() ? args[i]["op"].as_string() : "";
    a.op = 0;
    for (const auto& k : kOps)
      if (k.name == op) a.op = static_cast<int>(k.value);
    if (a.op == 0) return bad(err, at + ".op", "unknown operator '" + op + "'");
    // libseccomp compares each argument once per rule (runc splits such rules; we refuse).
    for (const auto& prev : out.args)
      if (prev.index == a.index)
        return bad(err, at + ".index", "argument " + std::to_string(index) + " compared twice");
    out.args.push_back(a);
  }
  return true;
}

// "SCMP_ARCH_X86_64" -> libseccomp's "x86_64".
bool get_arch(const Value& v, const std::string& where, uint32_t& out, Error& err) {
  if (!v.is_string()) return bad(err, where, "want a string");
  std::string name = v.as_string();
  constexpr std::string_view kPrefix = "SCMP_ARCH_";
  if (name.rfind(kPrefix, 0) == 0) name = name.substr(kPrefix.size());
  for (auto& ch : name) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  out = seccomp_arch_resolve_name(name.c_str());
  if (out == 0) return bad(err, where, "unknown architecture '" + v.as_string() + "'");
  return true;
}

struct CtxDeleter {
  void operator()(void* ctx) const { seccomp_release(ctx); }
};
using Ctx = std::unique_ptr<void, CtxDeleter>;

}  // namespace

bool parse_seccomp(const Value& v, SeccompSpec& out, Error& err) {
  out = SeccompSpec{};
  if (v.is_null()) return true;
  if (!v.is_object()) return bad(err, "linux.seccomp", "want an object");
  out.enabled = true;
  if (!get_action(v["defaultAction"], v["defaultErrnoRet"], "linux.seccomp.defaultAction",
                  out.default_action, err))
    return false;
  const auto& arches = v["architectures"].items();
  for (size_t i = 0; i < arches.size(); i++) {
    uint32_t a = 0;
    if (!get_arch(arches[i], "linux.seccomp.architectures[" + std::to_string(i) + "]", a, err))
      return false;
    out.architectures.push_back(a);
  }
  const auto& rules = v["syscalls"].items();
  for (size_t i = 0; i < rules.size(); i++) {
    SeccompRule r;
    if (!parse_rule(rules[i], "linux.seccomp.syscalls[" + std::to_string(i) + "]", r, err))
      return false;
    out.rules.push_back(std::move(r));
  }
  return true;
}

namespace {

constexpr size_t kInsnSize = sizeof(sock_filter);
static_assert(kInsnSize == sizeof(uint64_t), "struct sock_filter is 8 bytes");

// A cached program is trusted only if nobody but us could have written it: a regular file of
// ours, not group/other-writable, a whole number of instructions within the kernel's limit.
bool read_cache(const std::string& path, SeccompProgram& out) {
  unique_fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW));
  if (!fd) return false;
  struct stat st{};
  if (::fstat(fd.get(), &st) < 0 || !S_ISREG(st.st_mode) || st.st_uid != ::geteuid() ||
      (st.st_mode & 022) != 0 || st.st_size <= 0 || st.st_size % kInsnSize != 0 ||
      st.st_size > static_cast<off_t>(BPF_MAXINSNS * kInsnSize))
    return false;
  out.insns.resize(static_cast<size_t>(st.st_size) / kInsnSize);
  char* buf = reinterpret_cast<char*>(out.insns.data());
  size_t want = static_cast<size_t>(st.st_size), got = 0;
  while (got < want) {
    ssize_t n = ::read(fd.get(), buf + got, want - got);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    got += static_cast<size_t>(n);
  }
  return true;
}

// Best effort: a cache we can't write costs the next container the compile, nothing else.
// temp + rename, so a reader never sees half a program.
void write_cache(const std::string& path, const SeccompProgram& program) {
  auto slash = path.rfind('/');
  if (slash == std::string::npos || slash == 0) return;
  ::mkdir(path.substr(0, slash).c_str(), 0700);
  std::string tmp = path + ".tmp." + std::to_string(::getpid());
  unique_fd fd(::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600));
  if (!fd) return;
  size_t size = program.insns.size() * kInsnSize;
  bool ok = ::write(fd.get(), program.insns.data(), size) == static_cast<ssize_t>(size);
  fd.reset();
  if (!ok || ::rename(tmp.c_str(), path.c_str()) < 0) ::unlink(tmp.c_str());
}

int compile_with_libseccomp(const SeccompSpec& spec, SeccompProgram& out, Error& err) {
  Ctx ctx(seccomp_init(spec.default_action));
  if (!ctx) return err.fail("seccomp_init: invalid default action", EINVAL);
  for (uint32_t arch : spec.architectures) {
    int rc = seccomp_arch_add(ctx.get(), arch);
    // The native arch is in every new filter already; an arch the kernel can't run is harmless.
    if (rc < 0 && rc != -EEXIST) return err.sys("seccomp: add an architecture", -rc);
  }
  for (const auto& rule : spec.rules) {
    // A rule whose action is the default adds nothing; libseccomp refuses it.
    if (rule.action == spec.default_action) continue;
    std::vector<scmp_arg_cmp> cmps;
    for (const auto& a : rule.args)
      cmps.push_back(scmp_arg_cmp{a.index, static_cast<scmp_compare>(a.op), a.value, a.value_two});
    for (const auto& name : rule.names) {
      int nr = seccomp_syscall_resolve_name(name.c_str());
      // A syscall libseccomp doesn't know can't be filtered by name; it meets the default
      // action, which in our profile is ENOSYS (docker skips it the same way).
      if (nr == __NR_SCMP_ERROR) continue;
      int rc = seccomp_rule_add_array(ctx.get(), rule.action, nr,
                                      static_cast<unsigned>(cmps.size()), cmps.data());
      if (rc < 0) return err.sys("seccomp: add the rule for " + name, -rc);
    }
  }
  // libseccomp 2.5 exports only to an fd; a memfd keeps it off any filesystem.
  unique_fd mem(static_cast<int>(::syscall(SYS_memfd_create, "seccomp", MFD_CLOEXEC)));
  if (!mem) return err.sys("seccomp: memfd_create");
  int rc = seccomp_export_bpf(ctx.get(), mem.get());
  if (rc < 0) return err.sys("seccomp: compile the filter", -rc);
  off_t size = ::lseek(mem.get(), 0, SEEK_END);
  if (size <= 0 || size % kInsnSize != 0) return err.fail("seccomp: the compiled filter is malformed", EINVAL);
  out.insns.resize(static_cast<size_t>(size) / kInsnSize);
  if (::pread(mem.get(), out.insns.data(), static_cast<size_t>(size), 0) != size)
    return err.sys("seccomp: read the compiled filter");
  return 0;
}

}  // namespace

int compile_seccomp(const SeccompSpec& spec, SeccompProgram& out, Error& err) {
  if (!spec.cache_path.empty() && read_cache(spec.cache_path, out)) return 0;
  if (compile_with_libseccomp(spec, out, err) < 0) return -1;
  if (out.insns.size() > BPF_MAXINSNS)
    return err.fail("seccomp: the profile compiles to " + std::to_string(out.insns.size()) +
                        " instructions, more than the kernel's " + std::to_string(BPF_MAXINSNS),
                    E2BIG);
  if (!spec.cache_path.empty()) write_cache(spec.cache_path, out);
  return 0;
}

int install_seccomp(const SeccompProgram& program, Error& err) {
  sock_fprog prog{};
  prog.len = static_cast<unsigned short>(program.insns.size());
  prog.filter = reinterpret_cast<sock_filter*>(const_cast<uint64_t*>(program.insns.data()));
  if (::prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog, 0, 0) < 0)
    return err.sys("seccomp: load the filter");
  return 0;
}

}  // namespace sandbox
