// The closed set of messages the native side reports to the CLI, as JSON lines
// (docs/native-interface.md; mirrored in src/runtime/protocol.ts, round-trip tested).
// Every message is built here, so its field names exist in exactly one native place.
#pragma once
#include <string>
#include <utility>
#include <vector>

#include "sandbox/json.h"

namespace sandbox::protocol {

json::Value started(int pid);
json::Value exited(int exit_code, int signal);
// run -it: the caller typed the detach keys; the container runs on (its CLI exits 0).
json::Value detached();
json::Value exec_failed(int errnum, const std::string& path);
json::Value error(const std::string& step, int errnum, const std::string& message);
json::Value unpacked(long entries, const std::vector<std::pair<std::string, std::string>>& skipped);
json::Value removed(const std::vector<std::string>& paths);
// probe: built by the caller from json::Value::object() with type "probe" (fields vary by host).

// Write one message as a line to fd; retries on EINTR/short writes; never throws.
// Returns false when the fd is gone (the CLI died): callers carry on, as the container must.
bool send(int fd, const json::Value& message);

}  // namespace sandbox::protocol
