// A foreground run's output on its way to the caller's own stdout/stderr: without -t the
// container's stdout and stderr pipes (docs/detached.md), with -t the pty's output. The loop
// (monitor/supervise.cc) must never wait for the caller: a paused reader (`| less` at a page, a
// terminal stopped with ^S) would stop the container's network, healthchecks, attach and the
// other stream. So each of the caller's fds gets a bounded queue, written from the loop's poll.
#pragma once
#include <cstddef>
#include <functional>
#include <string>

namespace sandbox {

// One of the caller's fds (1 or 2) and what it has not taken yet. The fd keeps its blocking
// mode: it is usually an open file description shared with the caller's shell (its terminal,
// its pipe), where O_NONBLOCK would leak. Instead a write follows a POLLOUT and is at most
// PIPE_BUF bytes: a pipe (or FIFO) then always has room for all of it, a unix socket has a
// quarter of its buffer free; a tty reports POLLOUT only while its driver has room and it is
// not stopped (^S), so a write there waits at most for a terminal that fell behind by its
// whole buffer (~64 KiB) at that moment. A regular file, /dev/null or another non-tty device is
// always writable: everything is written at once, no queue, no polling.
class CallerStream {
 public:
  // The queue's bound: past it the loop stops reading the container's side, whose own pipe
  // (or pty) then fills and makes the container wait, as a pipe straight to the caller would.
  static constexpr size_t kLimit = 128 * 1024;

  explicit CallerStream(int fd);
  int fd() const { return fd_; }
  // False once the caller's side is gone (EPIPE: its reader closed it, `run IMAGE yes | head -1`,
  // or any other write error): what it was sent afterwards is dropped.
  bool open() const { return open_; }
  // Another read's worth may be queued.
  bool has_room() const { return !open_ || queued() < kLimit; }
  // The loop should poll fd() for POLLOUT.
  bool waiting() const { return open_ && queued() > 0; }

  // Queue buf (a direct fd: write it now). The queue may pass kLimit by this one call.
  void push(const char* buf, size_t n);
  // fd() was reported ready (POLLOUT, or POLLERR/POLLHUP/POLLNVAL, which the write answers).
  void on_ready();
  // The end: write all that is queued, waiting for the reader as long as it takes, while
  // `signal_fd` is still served (`on_signals`). False if the caller's side is gone.
  bool flush(int signal_fd, const std::function<void()>& on_signals);
  // The caller let go of its terminal (run -it's detach keys): fd() is now /dev/null and what
  // it had not taken is dropped (the log has it).
  void retarget();

 private:
  size_t queued() const { return buf_.size() - head_; }
  void release();

  int fd_;
  bool direct_ = false;
  bool open_ = true;
  std::string buf_;  // bytes from head_ on are queued; freed when empty (monitor/trim.cc)
  size_t head_ = 0;
};

// The caller's fds a and b are one pipe, FIFO, terminal or socket (`2>&1 | ...`, one terminal
// for both): then one CallerStream serves both, so the caller gets the two streams in the order
// the monitor read them. Two queues are each written in turn and could put one stream's later
// output before the other's earlier output (a reader that paused, then reads again; the final
// flush). Regular files and devices are written as read (no queue): never merged, so `>f 2>f`
// keeps its two offsets.
bool same_file(int a, int b);

// Write all of buf to the caller's fd, waiting while it has no room, but never deaf: while fd
// has no room, `signal_fd` is watched and `on_signals` called when it is readable, so a ^C or a
// TERM still reaches the container (--sig-proxy). Pieces of at most PIPE_BUF bytes after POLLOUT.
// False when the caller's side is gone (EPIPE).
bool write_to_caller(int fd, const char* buf, size_t n, int signal_fd, const std::function<void()>& on_signals);

}  // namespace sandbox
