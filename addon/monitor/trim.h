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

}  // namespace sandbox
