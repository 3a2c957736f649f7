#include "monitor/supervise.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/signalfd.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <functional>
#include <string>
#include <vector>

#include "monitor/caller_output.h"
#include "monitor/signals.h"
#include "monitor/terminal.h"
#include "monitor/trim.h"
#include "sandbox/protocol.h"

namespace sandbox {
namespace {

int send_signal(const InitProcess& init, int sig) {
  // Through the pidfd: the pid can't have been recycled for someone else's process.
  return static_cast<int>(::syscall(SYS_pidfd_send_signal, init.pidfd.get(), sig, nullptr, 0));
}

// What the init said on the sync socket before it closed.
struct SyncReport {
  std::string text;  // everything read
  bool closed = false;
};

// Read what is available; returns false on EOF (or a dead socket).
bool read_sync(int fd, SyncReport& r) {
  char buf[4096];
  for (;;) {
    ssize_t n = ::read(fd, buf, sizeof buf);
    if (n > 0) {
      r.text.append(buf, static_cast<size_t>(n));
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && errno == EAGAIN) return true;
    r.closed = true;
    return false;
  }
}

// The init writes this line after its last setup step, right before execve (init/setup.cc).
constexpr char kExecMarker[] = "exec\n";

// The init's last words: one `error` or `exec-failed` line. Anything else is a bug on our side,
// reported as a sync error rather than passed on unchecked.
json::Value parse_report(const std::string& text) {
  std::string line = text.substr(0, text.find('\n'));
  json::Value msg;
  Error err;
  if (!json::parse(line, msg, err))
    return protocol::error("sync", EPROTO, "unreadable message from the container init: " + err.message);
  const std::string& type = msg["type"].as_string();
  if (type != "error" && type != "exec-failed")
    return protocol::error("sync", EPROTO, "unexpected '" + type + "' message from the container init");
  return msg;
}

// Move what the pipe holds into the log (and, `tee`, into `caller`'s queue for our own
// stdout/stderr); the writer side gone (EOF) closes fd. A caller whose side is gone (its
// reader closed the pipe) ends the stream here too: closing our read end gives the container
// the EPIPE/SIGPIPE it would have got writing to that pipe itself (`run IMAGE yes | head -1`).
// At most `reads` reads: a stream that never runs dry (`yes`) must not starve the other one,
// the healthchecks and the rest of the loop. Returns true when it stopped because the caller's
// queue is full (the pipe may hold more; the loop stops reading it until the caller takes some).
bool drain(unique_fd& fd, const char* stream, LogWriter* log, AttachPoint* attach, CallerStream* caller,
           size_t reads) {
  char buf[8192];  // on the stack: nothing per container stays allocated between events
  const bool is_out = std::strcmp(stream, "stdout") == 0;
  for (; reads > 0; reads--) {
    if (caller && !caller->has_room()) return true;
    ssize_t n = ::read(fd.get(), buf, sizeof buf);
    if (n > 0) {
      // The log (and attach) as read, whenever the caller takes it.
      if (log) log->write(stream, buf, static_cast<size_t>(n));
      if (attach) attach->send(buf, static_cast<size_t>(n), is_out ? 'o' : 'e');
      if (caller) caller->push(buf, static_cast<size_t>(n));
      if (caller && !caller->open()) break;
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && errno == EAGAIN) return false;
    fd.reset();
    return false;
  }
  if (reads == 0) return false;  // budget spent: the next poll comes back for the rest
  fd.reset();  // the caller's side is gone
  return false;
}

// Move what the pty master holds to the log and/or `caller` (our stdout: no log, or `tee`);
// the container's side closed by everyone (EIO), or our stdout gone, closes fd. Returns true
// when it stopped because the caller's queue is full, as drain().
bool drain_pty(unique_fd& fd, LogWriter* log, AttachPoint* attach, CallerStream* caller) {
  char buf[8192];
  for (;;) {
    if (caller && !caller->has_room()) return true;
    ssize_t n = ::read(fd.get(), buf, sizeof buf);
    if (n > 0) {
      if (attach) attach->send(buf, static_cast<size_t>(n));
      if (log) log->write("stdout", buf, static_cast<size_t>(n));
      if (caller) caller->push(buf, static_cast<size_t>(n));
      if (caller && !caller->open()) break;
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && errno == EAGAIN) return false;
    break;
  }
  fd.reset();
  return false;
}

// The end, once the init has exited. It was pid 1 of its namespace: with it every writer of
// the pipes is gone, so each of them holds its last output and then EOF (or nothing, if a write
// end leaked somewhere: don't wait for it). Both pipes are read in turns, one read of each that
// has data per turn, as the live loop reads them, so the log, attach and the caller get the two
// streams interleaved, rather than all of what is left of stdout before any of stderr. (Output
// that was in both pipes at the same moment has no order between the two left to keep: each
// turn takes stdout's first, as the live loop does.) Everything goes to the caller before
// we exit: here waiting for a slow reader is right (the container is gone), so a full queue is
// flushed (serving our signals) before the next read.
void drain_rest(OutputRelay& relay, CallerStream* out, CallerStream* err, CallerStream* pty_out, int signal_fd,
                const std::function<void()>& on_signals) {
  while (relay.out || relay.err || relay.pty) {
    pollfd p[3] = {
        {relay.out ? relay.out.get() : -1, POLLIN, 0},
        {relay.err ? relay.err.get() : -1, POLLIN, 0},
        {relay.pty ? relay.pty.get() : -1, POLLIN, 0},
    };
    const int ready = ::poll(p, 3, 0);
    if (ready < 0 && errno == EINTR) continue;
    if (ready <= 0) break;  // nothing and no EOF: a leaked write end
    if (p[0].revents && drain(relay.out, "stdout", relay.log, relay.attach, out, 1)) out->flush(signal_fd, on_signals);
    if (p[1].revents && drain(relay.err, "stderr", relay.log, relay.attach, err, 1)) err->flush(signal_fd, on_signals);
    if (p[2].revents && drain_pty(relay.pty, relay.log, relay.attach, pty_out)) pty_out->flush(signal_fd, on_signals);
  }
}

// Keys for the pty (or, -i without -t, the container's stdin pipe): written as far as it takes
// them; the rest waits in `pending` and no more input is read until the pty has taken it
// (POLLOUT), so a command that doesn't read its input can never make the monitor block (and
// stop relaying output). At most one read's worth.
void feed_pty(int pty, std::string& pending, const char* buf, size_t n) {
  if (pending.empty()) {
    ssize_t w;
    while ((w = ::write(pty, buf, n)) < 0 && errno == EINTR) {
    }
    if (w < 0 && errno != EAGAIN) return;  // the container's side is gone: nobody to type to
    if (w > 0) buf += w, n -= static_cast<size_t>(w);
  }
  pending.append(buf, n);
}

void flush_pty(int pty, std::string& pending) {
  std::string rest;
  rest.swap(pending);
  feed_pty(pty, pending, rest.data(), rest.size());
}

// Our stdin into the pty: the caller's keys, in raw mode, so ^C arrives as a byte the pty's
// line discipline turns into SIGINT for the container (docker's behaviour). False at EOF or
// when the caller typed the detach keys (`detached` set).
// One read per readable event: our stdin is the caller's, and may well be blocking.
bool relay_input(int pty, std::string& pending, DetachKeys& keys, bool& detached) {
  char buf[4096];
  ssize_t n;
  while ((n = ::read(0, buf, sizeof buf)) < 0 && errno == EINTR) {
  }
  if (n > 0) {
    const std::string keep = keys.filter(buf, static_cast<size_t>(n), detached);
    feed_pty(pty, pending, keep.data(), keep.size());
    return !detached;
  }
  return n < 0 && errno == EAGAIN;
}

// The caller of a foreground run -it typed the detach keys: tell its CLI (which restores its
// terminal and exits 0, as docker's client does) and let go of that terminal, so the container
// runs on with nobody's session attached; its output goes to attach clients from now on.
void detach_from_caller(int result_fd) {
  protocol::send(result_fd, protocol::detached());
  const int null = ::open("/dev/null", O_RDWR | O_CLOEXEC);
  if (null < 0) return;
  for (int fd = 0; fd < 3; fd++) ::dup3(null, fd, 0);
  ::close(null);
}

// What an attach client sent: keys for the pty (or, -i without -t, the stdin pipe), its
// window size, a signal it got (--sig-proxy), the end of its input. Returns true when that
// end should close the container's stdin (StdinOnce), once `pending` is written. A client that
// sent keys (an empty 'i' frame too) is one whose going away also ends that input (attach.h).
bool handle_attach_input(AttachPoint& at, const InitProcess& init, OutputRelay& relay, std::string& pending) {
  const int pty = relay.pty ? relay.pty.get() : -1;
  const int keys_to = pty >= 0 ? pty : relay.in ? relay.in.get() : -1;
  bool close_in = false;
  AttachFrame f;
  while (take_attach_frame(at.input, f)) {
    unsigned short rows = 0, cols = 0;
    if (f.type == 'i') {
      at.client_input = true;
      if (keys_to >= 0 && !f.payload.empty()) feed_pty(keys_to, pending, f.payload.data(), f.payload.size());
    } else if (f.type == 'c') {
      close_in = relay.stdin_once && static_cast<bool>(relay.in);
    } else if (f.type == 'w' && pty >= 0 && frame_window_size(f.payload, rows, cols)) {
      winsize ws{};
      ws.ws_row = rows;
      ws.ws_col = cols;
      ::ioctl(pty, TIOCSWINSZ, &ws);  // the kernel sends SIGWINCH to the container's foreground group
    } else if (f.type == 's' && f.payload.size() == 1) {
      const int sig = static_cast<unsigned char>(f.payload[0]);
      if (sig >= 1 && sig < NSIG) send_signal(init, sig);
    }
  }
  return close_in;
}

// The monitor's signals: forwarded to the init (docker's sig-proxy), a resized caller's window
// copied onto the pty (the kernel tells the container), the rest as signals.cc decides.
void handle_signals(int signal_fd, const InitProcess& init, const OutputRelay& relay) {
  signalfd_siginfo si{};
  while (::read(signal_fd, &si, sizeof si) == static_cast<ssize_t>(sizeof si)) {
    if (si.ssi_signo == SIGWINCH && relay.pty) {
      copy_window_size(relay.pty.get());
      continue;
    }
    switch (signal_action(static_cast<int>(si.ssi_signo))) {
      case SignalAction::Forward:
        send_signal(init, static_cast<int>(si.ssi_signo));
        break;
      case SignalAction::KillContainer:
        send_signal(init, SIGKILL);
        break;
      case SignalAction::Ignore:
        break;
    }
  }
}

void set_nonblocking(int fd) {
  if (fd >= 0) ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) | O_NONBLOCK);
}

}  // namespace

void exit_code_of(int status, int& exit_code, int& signal) {
  signal = WIFSIGNALED(status) ? WTERMSIG(status) : 0;
  exit_code = signal ? 128 + signal : WEXITSTATUS(status);
}

int supervise(InitProcess& init, int signal_fd, int result_fd, OutputRelay& relay, ExitInfo& info) {
  SyncReport report;
  json::Value failure;  // the init's error / exec-failed message, if any
  bool exited = false;

  // Non-blocking so one readable event never turns into a wait.
  int flags = ::fcntl(init.sync.get(), F_GETFL);
  ::fcntl(init.sync.get(), F_SETFL, flags | O_NONBLOCK);

  bool died_in_setup = false;
  IdleTrim idle_trim;
  auto on_sync_readable = [&] {
    if (read_sync(init.sync.get(), report)) return;
    init.sync.reset();
    if (report.text == kExecMarker) {
      // Setup finished, then EOF: execve succeeded and closed the close-on-exec end.
      info.started = true;
      info.started_at = timestamp_now();
      if (relay.health) relay.health->start(init.pid);
      // The CLI waits for this (run -d returns on it): sent before the trim, which reads
      // /proc/self/smaps and unmaps page by page (~1-3 ms).
      protocol::send(result_fd, protocol::started(init.pid));
      // Setup is over: from here the monitor only relays, so it drops what setup faulted in.
      idle_trim.start();
    } else if (report.text.empty()) {
      died_in_setup = true;  // reported once its wait status is known
    } else {
      const std::string text = report.text.rfind(kExecMarker, 0) == 0
                                   ? report.text.substr(sizeof kExecMarker - 1)
                                   : report.text;
      failure = parse_report(text);
      protocol::send(result_fd, failure);
    }
  };

  // A foreground run's output on its way to the caller: queued per stream and written as the
  // caller's fd has room, from this same poll (caller_output.h), so a paused reader stops only
  // that stream's container side. At the end, waiting for it still handles our signals.
  const std::function<void()> on_signals = [&] { handle_signals(signal_fd, init, relay); };
  CallerStream to_out(1), to_err(2);
  CallerStream* const pipes_out = relay.tee ? &to_out : nullptr;
  // `2>&1 | ...`, one terminal: both streams through one queue, in the order they were read.
  CallerStream* const pipes_err = relay.tee ? (same_file(1, 2) ? &to_out : &to_err) : nullptr;
  CallerStream* const pty_out = relay.pty && (!relay.log || relay.tee) ? &to_out : nullptr;
  set_nonblocking(relay.out.get());
  set_nonblocking(relay.err.get());
  set_nonblocking(relay.pty.get());
  set_nonblocking(relay.in.get());
  bool close_in = false;  // StdinOnce: close the container's stdin once `pending` is written
  bool input_open = static_cast<bool>(relay.pty);
  std::string pending;  // keys the pty has not taken yet (feed_pty)
  if (relay.pty) copy_window_size(relay.pty.get());

  // Rebuilt every round (its capacity stays): the network source appends a varying number of
  // fds after the loop's own fourteen.
  std::vector<pollfd> fds;
  while (!exited) {
    AttachPoint* at = relay.attach;
    const bool pty_in = !pty_out || pty_out->has_room();
    fds.assign({
        {init.sync ? init.sync.get() : -1, POLLIN, 0},  // negative fds are skipped by poll
        {signal_fd, POLLIN, 0},
        {init.pidfd.get(), POLLIN, 0},
        // The container's stdout and stderr pipes, while the caller's queue has room.
        {relay.out && (!pipes_out || pipes_out->has_room()) ? relay.out.get() : -1, POLLIN, 0},
        {relay.err && (!pipes_err || pipes_err->has_room()) ? relay.err.get() : -1, POLLIN, 0},
        {-1, 0, 0},  // the running healthcheck's output
        {-1, 0, 0},  // and its pidfd
        // -t: the container's terminal (read while the caller's queue has room), and our stdin
        // copied into it (paused while it is full)
        {relay.pty && (pty_in || !pending.empty()) ? relay.pty.get() : -1,
         static_cast<short>((pty_in ? POLLIN : 0) | (pending.empty() ? 0 : POLLOUT)), 0},
        {input_open && relay.pty && pending.empty() ? 0 : -1, POLLIN, 0},
        {at && at->listener ? at->listener.get() : -1, POLLIN, 0},  // run -d: attach
        {at && at->client && pending.empty() ? at->client.get() : -1, POLLIN, 0},  // the attached CLI
        {relay.in && !pending.empty() ? relay.in.get() : -1, POLLOUT, 0},  // -i without -t: stdin pipe full
        {to_out.waiting() ? to_out.fd() : -1, POLLOUT, 0},  // the caller's stdout has our output queued
        {to_err.waiting() ? to_err.fd() : -1, POLLOUT, 0},  // and its stderr
    });
    if (relay.health) relay.health->fill(fds[5], fds[6]);
    int timeout_ms = relay.health ? relay.health->timeout_ms() : -1;
    if (relay.network) relay.network->fill(fds, timeout_ms);
    idle_trim.shorten(timeout_ms);
    const bool poll_failed = ::poll(fds.data(), fds.size(), timeout_ms) < 0;
    if (poll_failed) {
      if (errno == EINTR) continue;
      // Can't happen with valid fds; don't spin, don't leave the container orphaned.
      send_signal(init, SIGKILL);
    }

    // The sync socket first: when the init dies, its EOF is already there (its fds close before
    // it becomes a zombie), and its message must be judged before its exit status.
    if (init.sync && (fds[0].revents || fds[2].revents)) on_sync_readable();

    if (fds[1].revents & POLLIN) on_signals();

    // The caller took some: one piece each (caller_output.h). Its side gone closes the
    // container's, as a pipe straight to the caller would.
    if (fds[12].revents) to_out.on_ready();
    if (fds[13].revents) to_err.on_ready();
    if (!to_out.open()) {
      if (pipes_out) relay.out.reset();
      if (pty_out) relay.pty.reset();
    }
    if (pipes_err && !pipes_err->open()) relay.err.reset();

    // A pipe's worth (64 KiB) of each stream per turn.
    if (relay.out && fds[3].revents) drain(relay.out, "stdout", relay.log, relay.attach, pipes_out, 8);
    if (relay.err && fds[4].revents) drain(relay.err, "stderr", relay.log, relay.attach, pipes_err, 8);

    if (relay.pty && (fds[7].revents & POLLOUT)) flush_pty(relay.pty.get(), pending);
    if (relay.pty && (fds[7].revents & ~POLLOUT)) drain_pty(relay.pty, relay.log, relay.attach, pty_out);
    if (relay.in && fds[11].revents) flush_pty(relay.in.get(), pending);
    if (!relay.pty && !relay.in) pending.clear();
    if (input_open && relay.pty && fds[8].revents &&
        !relay_input(relay.pty.get(), pending, relay.detach_keys, relay.detached)) {
      input_open = false;
      if (relay.detached) {
        detach_from_caller(result_fd);
        to_out.retarget();
        to_err.retarget();
      }
    }

    if (at && at->client && fds[10].revents && at->client_read() > 0 && handle_attach_input(*at, init, relay, pending))
      close_in = true;
    if (at && at->listener && fds[9].revents) at->accept_client();
    // The client feeding a StdinOnce container's stdin went away without ending its input
    // (killed, its connection gone, replaced): its session is over, and so is the container's
    // stdin, as its end of input would have made it (docker's attach). run -d -i keeps it open.
    if (at && at->input_dropped) {
      at->input_dropped = false;
      if (relay.stdin_once && relay.in) close_in = true;
    }
    // The container sees EOF on its stdin only after every key sent before it.
    if (close_in && pending.empty()) relay.in.reset(), close_in = false;

    if (relay.health) relay.health->tick(fds[5], fds[6]);
    if (relay.network) relay.network->dispatch(fds, poll_failed);
    if (std::any_of(fds.begin(), fds.end(), [](const pollfd& p) { return p.revents != 0; })) idle_trim.activity();
    idle_trim.run_if_due();

    if (fds[2].revents & POLLIN) exited = true;
  }
  if (relay.health) relay.health->stop();

  drain_rest(relay, pipes_out, pipes_err, pty_out, signal_fd, on_signals);
  to_out.flush(signal_fd, on_signals);
  to_err.flush(signal_fd, on_signals);

  // A dead init's socket end is closed, so this read ends at EOF at once; it only matters if
  // the pidfd won the race in the last poll.
  if (init.sync) {
    ::fcntl(init.sync.get(), F_SETFL, flags);
    on_sync_readable();
  }

  int status = 0;
  while (::waitpid(init.pid, &status, 0) < 0) {
    if (errno != EINTR) {
      protocol::send(result_fd, protocol::error("sync", errno, "reap the container init"));
      return 1;
    }
  }
  if (died_in_setup) {
    int code = 0, sig = 0;
    exit_code_of(status, code, sig);
    protocol::send(result_fd,
                   protocol::error("sync", 0,
                                   "the container init died during setup (" +
                                       (sig ? "killed by signal " + std::to_string(sig)
                                            : "exit status " + std::to_string(code)) +
                                       ")"));
    return 1;
  }
  if (failure.is_object()) {
    if (failure["type"].as_string() == "exec-failed") {
      // The init already chose 126/127 from the errno; use it unless something else killed it.
      int code = 0, sig = 0;
      exit_code_of(status, code, sig);
      return code;
    }
    return 1;
  }
  int code = 0, sig = 0;
  exit_code_of(status, code, sig);
  info.exit_code = code;
  info.signal = sig;
  protocol::send(result_fd, protocol::exited(code, sig));
  return code;
}

}  // namespace sandbox
