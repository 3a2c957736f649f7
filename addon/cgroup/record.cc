#include <fcntl.h>
#include <unistd.h>

#include "cgroup/cgroup.h"
#include "sandbox/unique_fd.h"

namespace sandbox {
namespace {

std::string quoted(const std::string& s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out + "\"";
}

}  // namespace

int record_cgroup(const std::string& state_dir, const std::string& leaf, bool oom_killed, Error& err) {
  // temp + rename: a reader never sees half a file.
  std::string path = state_dir + "/cgroup.json", tmp = path + ".tmp";
  std::string text = "{\"path\":" + quoted(leaf) + ",\"oomKilled\":" + (oom_killed ? "true" : "false") + "}\n";
  unique_fd fd(::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600));
  if (!fd) return err.sys("create " + tmp);
  if (::write(fd.get(), text.data(), text.size()) != static_cast<ssize_t>(text.size()))
    return err.sys("write " + tmp);
  fd.reset();
  if (::rename(tmp.c_str(), path.c_str()) < 0) return err.sys("rename " + tmp);
  return 0;
}

std::string recorded_cgroup(const std::string& state_dir) {
  unique_fd fd(::open((state_dir + "/cgroup.json").c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd) return "";
  char buf[4096];
  ssize_t n = ::read(fd.get(), buf, sizeof buf - 1);
  if (n <= 0) return "";
  std::string text(buf, static_cast<size_t>(n));
  size_t a = text.find("\"path\":\"");
  if (a == std::string::npos) return "";
  a += 8;
  std::string out;
  for (size_t i = a; i < text.size() && text[i] != '"'; i++) {
    if (text[i] == '\\' && i + 1 < text.size()) i++;
    out += text[i];
  }
  return out;
}

}  // namespace sandbox
