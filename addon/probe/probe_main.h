// Entry point of the `probe` mode of sandbox-monitor (docs/native-interface.md), for the mode
// dispatcher in addon/monitor/main.cc: what this host lets this user do, as one JSON line.
// argv[0] is "probe". Always exits 0 when the line was written: a failed check is data.
#pragma once

// sandbox-monitor probe [--uidmap MAP --gidmap MAP] [--scratch DIR]
int probe_main(int argc, char** argv);
