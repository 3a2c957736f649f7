#include "sandbox/protocol.h"

#include <unistd.h>

#include <cerrno>

namespace sandbox::protocol {
namespace {
json::Value typed(const char* type) {
  json::Value v = json::Value::object();
  v.set("type", json::Value::string(type));
  return v;
}
}  // namespace

json::Value started(int pid) {
  return typed("started").set("pid", json::Value::number(pid));
}

json::Value exited(int exit_code, int signal) {
  return typed("exited").set("exitCode", json::Value::number(exit_code)).set("signal", json::Value::number(signal));
}

json::Value detached() {
  return typed("detached");
}

json::Value exec_failed(int errnum, const std::string& path) {
  return typed("exec-failed").set("errno", json::Value::number(errnum)).set("path", json::Value::string(path));
}

json::Value error(const std::string& step, int errnum, const std::string& message) {
  return typed("error")
      .set("step", json::Value::string(step))
      .set("errno", json::Value::number(errnum))
      .set("message", json::Value::string(message));
}

json::Value unpacked(long entries, const std::vector<std::pair<std::string, std::string>>& skipped) {
  json::Value list = json::Value::array();
  for (const auto& [path, reason] : skipped)
    list.push(json::Value::object().set("path", json::Value::string(path)).set("reason", json::Value::string(reason)));
  return typed("unpacked").set("entries", json::Value::number(static_cast<double>(entries))).set("skipped", std::move(list));
}

json::Value removed(const std::vector<std::string>& paths) {
  json::Value list = json::Value::array();
  for (const auto& p : paths) list.push(json::Value::string(p));
  return typed("removed").set("paths", std::move(list));
}

bool send(int fd, const json::Value& message) {
  std::string line = message.dump();
  line += '\n';
  size_t off = 0;
  while (off < line.size()) {
    ssize_t n = ::write(fd, line.data() + off, line.size() - off);
    if (n < 0) {
      if (errno == EINTR) continue;
      return false;
    }
    off += static_cast<size_t>(n);
  }
  return true;
}

}  // namespace sandbox::protocol
