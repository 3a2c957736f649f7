// What an attach client sends, and the detach keys of a foreground `run -it`: both pure, so
// the loop in supervise.cc only moves bytes.
//
// Client -> monitor, on attach.sock, is framed (docs/native-interface.md): one type byte, a
// 16-bit big-endian payload length, the payload.
//   'i' keys for the container's terminal     (payload: the bytes; an empty one first from a
//       client that sends input: its hang-up then ends that input, as 'c' does)
//   'w' the client's window size              (payload: rows, cols as 16-bit big-endian)
//   's' a signal the client got (--sig-proxy)  (payload: one byte, the signal number)
//   'c' the client's input ended (without -t)   (no payload; closes stdin only with StdinOnce)
// Monitor -> client: a -t container's output raw; without -t, 'o' (stdout) and 'e' (stderr)
// frames with the same header (AttachPoint::send).
#pragma once
#include <sys/types.h>

#include <string>

namespace sandbox {

struct AttachFrame {
  char type = 0;
  std::string payload;
};

// Take one whole frame from the front of `buf` (removing it); false while incomplete.
bool take_attach_frame(std::string& buf, AttachFrame& out);

// Window size from a 'w' payload; false when it is not 4 bytes.
bool frame_window_size(const std::string& payload, unsigned short& rows, unsigned short& cols);

// docker's detach keys matched in a stream of keys, across reads. Bytes of a partial match are
// held back and passed on when the sequence breaks, so nothing typed is lost.
struct DetachKeys {
  std::string keys;   // empty: never detach
  size_t matched = 0;
  // Keys to pass on from `in`; `detached` becomes true when the sequence completed (what
  // follows it in `in` is dropped: the caller is leaving).
  std::string filter(const char* in, size_t n, bool& detached);
};

// "10,11" style hex from the CLI (`--detach-keys 1011`: ctrl-p ctrl-q) into bytes; false on
// anything but pairs of hex digits.
bool parse_detach_keys_hex(const std::string& hex, std::string& out);

}  // namespace sandbox
