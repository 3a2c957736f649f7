// The plain C++ behind the Node binding: small host queries on terminals and the kernel.
// No Napi types here (binding.cc converts at the boundary); failures return false with errno.
#pragma once
#include <string>

namespace sandbox::binding {

struct WindowSize {
  unsigned rows = 0;
  unsigned cols = 0;
};

// uname(2)'s release, e.g. "6.1.0-18-amd64".
bool kernel_release(std::string& out);

// TIOCGWINSZ. Returns false with errno; ENOTTY means "not a terminal".
bool get_window_size(int fd, WindowSize& out);

// TIOCSWINSZ (the kernel sends SIGWINCH to the terminal's foreground group).
bool set_window_size(int fd, const WindowSize& size);

// isatty(3) without its errno side effect mattering to callers.
bool is_terminal(int fd);

}  // namespace sandbox::binding
