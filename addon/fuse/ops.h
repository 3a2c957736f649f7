// The overlay's table of FUSE low-level operations; userdata is the Overlay.
#pragma once
#define FUSE_USE_VERSION 312
#include <fuse_lowlevel.h>

#include "fuse/overlay.h"

namespace sandbox::fuse {

fuse_lowlevel_ops overlay_ops();

// ops_io.cc's half of the table: open files, directories, xattrs, statfs.
void add_io_ops(fuse_lowlevel_ops& ops);

}  // namespace sandbox::fuse
