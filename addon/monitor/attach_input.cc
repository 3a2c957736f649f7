#include "monitor/attach_input.h"

namespace sandbox {

bool take_attach_frame(std::string& buf, AttachFrame& out) {
  if (buf.size() < 3) return false;
  const size_t len = (static_cast<unsigned char>(buf[1]) << 8) | static_cast<unsigned char>(buf[2]);
  if (buf.size() < 3 + len) return false;
  out.type = buf[0];
  out.payload.assign(buf, 3, len);
  buf.erase(0, 3 + len);
  return true;
}

bool frame_window_size(const std::string& p, unsigned short& rows, unsigned short& cols) {
  if (p.size() != 4) return false;
  auto u16 = [&](size_t i) {
    return static_cast<unsigned short>((static_cast<unsigned char>(p[i]) << 8) | static_cast<unsigned char>(p[i + 1]));
  };
  rows = u16(0);
  cols = u16(2);
  return true;
}

std::string DetachKeys::filter(const char* in, size_t n, bool& detached) {
  std::string out;
  if (keys.empty()) return out.assign(in, n), out;
  for (size_t i = 0; i < n; i++) {
    const char c = in[i];
    if (matched > 0 && c != keys[matched]) {
      // The sequence broke: what was held back was typed, pass it on; c may start a new one.
      out.append(keys, 0, matched);
      matched = 0;
    }
    if (c == keys[matched]) {
      if (++matched == keys.size()) {
        matched = 0;
        detached = true;
        return out;
      }
      continue;
    }
    out.push_back(c);
  }
  return out;
}

bool parse_detach_keys_hex(const std::string& hex, std::string& out) {
  if (hex.size() % 2) return false;
  out.clear();
  auto digit = [](char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  for (size_t i = 0; i < hex.size(); i += 2) {
    const int hi = digit(hex[i]), lo = digit(hex[i + 1]);
    if (hi < 0 || lo < 0) return false;
    out.push_back(static_cast<char>(hi * 16 + lo));
  }
  return true;
}

}  // namespace sandbox
