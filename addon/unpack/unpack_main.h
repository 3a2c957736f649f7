// Entry points of the `unpack` and `rmtree` modes of sandbox-monitor (docs/native-interface.md),
// for the mode dispatcher in addon/monitor/main.cc. argv[0] is the mode name itself ("unpack"
// / "rmtree"), the rest its arguments. Each writes JSON lines to stdout and returns the
// process exit status (0 success, 1 failure).
#pragma once

// sandbox-monitor unpack --uidmap MAP --gidmap MAP DEST   (an uncompressed tar on stdin)
int unpack_main(int argc, char** argv);

// sandbox-monitor rmtree --uidmap MAP --gidmap MAP PATH...
int rmtree_main(int argc, char** argv);
