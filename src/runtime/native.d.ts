// The whole native surface of sandbox, in one place (node-pty's pattern).
//
// 1. The Node binding, build/Release/sandbox.node (override: SANDBOX_BINDING). Thin, and
//    synchronous: it never forks or joins namespaces (Node is multithreaded; that work goes
//    through the executable below). Only src/runtime/native.ts loads it, lazily. Every
//    failure is thrown as a plain Error with an errno-style `code` ('EBADF', ...), plus
//    `errno` and `syscall`; a bad argument is a TypeError with code 'ERR_INVALID_ARG_TYPE'.
//
// 2. The executable, sandbox-monitor (override: SANDBOX_MONITOR), started as a child process.
//    Its modes and their JSON-lines messages are the contract in docs/native-interface.md; the
//    messages are mirrored and parsed in src/runtime/protocol.ts. In short (MAP is
//    "C:H:N[,C:H:N...]", e.g. 0:1000:1,1:200000:65536):
//
//    sandbox-monitor run --config FILE --result-fd N
//        -> started {pid}, then exited {exitCode, signal} | exec-failed {errno, path} | error
//    sandbox-monitor unpack --uidmap MAP --gidmap MAP DEST      (uncompressed tar on stdin)
//        Creates the entries under DEST as root of a user namespace with those maps, never
//        outside it. -> unpacked {entries, skipped: [{path, reason}]} (exit 0)
//                     | error {step: 'unpack', errno, message} (exit 1; DEST is left partial:
//                       remove it with rmtree)
//    sandbox-monitor rmtree --uidmap MAP --gidmap MAP PATH...   (absolute paths)
//        Removes each tree from inside the user namespace; symlinks are never followed, mount
//        points never crossed, a missing path is fine. -> removed {paths} | error {step: 'rmtree'}
//    sandbox-monitor probe [--uidmap MAP --gidmap MAP] [--scratch DIR]
//        -> probe {kernel, userns, subordinateMap, overlay, overlayError, idmapHelpers, fuse,
//                  tun, userNamespacesMax} and, for each failed check, `<check>Error` with the
//                  reason (overlayError is always present, '' when overlay works). Exit 0.

declare namespace SandboxNative {
  interface WindowSize {
    rows: number;
    cols: number;
  }

  /** What the binding throws (besides TypeError for bad arguments). */
  interface ErrnoError extends Error {
    /** The errno name, e.g. 'EBADF'. */
    code: string;
    errno: number;
    syscall: string;
  }

  interface Binding {
    /** uname(2) release, e.g. '6.1.0-18-amd64'. */
    kernelRelease(): string;
    /** The terminal size of fd, or null when fd is not a terminal. */
    getWindowSize(fd: number): WindowSize | null;
    /** Resize the terminal behind fd (a pty master): its foreground group gets SIGWINCH. */
    setWindowSize(fd: number, rows: number, cols: number): void;
    isatty(fd: number): boolean;
  }
}
