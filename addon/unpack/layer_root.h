// The layer directory as a root that nothing escapes. Every archive name is normalised
// (docker's way: leading "/" and "./" dropped; refused if it has a ".." component), and the
// directory that will hold an entry is resolved relative to one root fd with
// openat2(RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS): a symlink inside the layer is followed as
// if the layer were "/", so "evil -> /etc" then "evil/passwd" lands in DEST/etc/passwd.
// Missing parents are created one component at a time, each with mkdirat in a directory fd
// that was itself resolved inside the root.
#pragma once
#include <string>
#include <string_view>

#include "sandbox/error.h"
#include "sandbox/unique_fd.h"

namespace sandbox::unpack {

// "a//b/./c/" -> "a/b/c"; "/x" and "./x" -> "x"; "", "/" and "./" -> "" (the root itself).
// Refuses a ".." component, and names longer than PATH_MAX.
bool normalise_name(std::string_view in, std::string& out, Error& err);

// Splits a normalised non-empty name into its parent ("" for the root) and last component.
void split_name(const std::string& name, std::string& parent, std::string& base);

class LayerRoot {
 public:
  int open(const std::string& dest, Error& err);
  int fd() const { return root_.get(); }

  // A directory fd for normalised `dir` ("" = the root), resolved inside the root. With
  // `create`, missing directories are made (mode 0755, owned by the namespace's root), and
  // symlinks on the way are followed as the kernel would inside the root. The fd is borrowed:
  // valid until the next call or invalidate().
  int dir(const std::string& dir, bool create, Error& err);

  // An owned fd for `dir` (same resolution, no creation). With follow_last false, a symlink
  // as the last component fails (ELOOP/ENOTDIR) instead of being followed.
  unique_fd open_dir(const std::string& dir, bool follow_last, Error& err) const;

  // Tell the cache that `path` (a normalised name) was removed or replaced: a cached
  // directory at or below it may be stale. The parent of `path` stays cached, so a borrowed
  // fd for it remains valid.
  void removed(const std::string& path);

 private:
  int walk_creating(const std::string& dir, Error& err);
  void invalidate();

  unique_fd root_;
  std::string cached_name_;
  unique_fd cached_;
};

}  // namespace sandbox::unpack
