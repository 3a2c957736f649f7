// Removing a directory tree without trusting it: never following a symlink, never leaving
// the filesystem it starts on, no recursion (a container can build trees deeper than any
// stack or fd limit), one directory fd open at a time. Used by rmtree (layers and container
// dirs owned by subordinate ids), by the unpacker (a directory replaced by a file) and by the
// probe (its scratch overlay).
#pragma once
#include "sandbox/error.h"

namespace sandbox::unpack {

// Removes `name` in directory `dirfd`: unlinks it, or when it is a directory, everything
// below it and then it. A missing name is success. Directories without search or read
// permission (overlay's work dir is mode 000) are chmod'ed when we own them.
int remove_tree_at(int dirfd, const char* name, Error& err);

}  // namespace sandbox::unpack
