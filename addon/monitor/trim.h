// Keeping a long-lived monitor small (bench/overhead: <= 3 MiB RSS per container). After setup
// the monitor only polls, reads and writes, but its page tables still map every library page
// that setup (and the kernel's fault-around) touched. Dropping the mappings of read-only file
// pages (code, rodata) costs nothing: they are clean copies of the page cache, and the few the
// loop needs come back on first use as minor faults. Writable mappings are never touched.
#pragma once

namespace sandbox {

// Unmap the resident read-only file-backed pages of this process and return free heap to the
// kernel. Best effort: failures are ignored.
void trim_resident_memory();

// The monitor's trims, timed by its loop. The first comes right after the `started` message
// (not before: reading /proc/self/smaps takes ~0.5 ms): setup is over. Later ones come after a
// burst of work (the start's tail, the container's first network traffic, a healthcheck, an
// attach) once the loop has been quiet for a second, since such code (libslirp reading
// resolv.conf with stdio for its router advertisement, say) is not needed again for minutes.
// They are spaced 1, 2, 4... up to 64 s apart, so a container that is busy now and then costs
// a trim a minute at most.
class IdleTrim {
 public:
  void start();                         // the container started: trim, and watch from now
  void activity();                      // the loop served an event this round
  void shorten(int& timeout_ms) const;  // the loop's wait ends when a trim is due
  void run_if_due();                    // after poll
 private:
  long long due_ms() const;
  bool started_ = false, dirty_ = false;
  long long last_activity_ms_ = 0, next_allowed_ms_ = 0, gap_ms_ = 1000;
};

}  // namespace sandbox
