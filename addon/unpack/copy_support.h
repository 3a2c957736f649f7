// What the two tree copies (vfs-copy: the layers merged into one tree; shift-copy: one layer
// with its owners shifted, docs/storage.md) share: safe path resolution below a root fd,
// directory listing, file data, xattrs, and the id shift that --userns=keep-id's copies apply.
#pragma once
#include <sys/stat.h>
#include <sys/types.h>

#include <map>
#include <string>
#include <utility>
#include <vector>

#include "sandbox/error.h"
#include "sandbox/idmap.h"

namespace sandbox::unpack {

// openat2 below `root` with no symlink followed, no magic link, no mount crossed: an image's
// own "etc -> /host/etc" is an entry to copy, never a way out. "" opens the root itself.
int open_beneath(int root, const std::string& rel, int flags);

std::string join_rel(const std::string& dir, const std::string& name);

// overlay's whiteout: a character device 0:0.
bool is_whiteout(const struct stat& st);

// The names in a directory (no "." or ".."), read whole before anything changes below it.
int list_dir(int fd, std::vector<std::string>& names, const std::string& where, Error& err);

// The xattr names of fd; an empty list where the filesystem has none.
int xattr_names(int fd, std::vector<std::string>& out, const std::string& where, Error& err);

// File data: a reflink where the filesystem shares extents, else the data segments one by one
// (sparse files stay sparse), then the size.
int copy_data(int in, int out, off_t size, const std::string& where, Error& err);

// A permutation of the ids of the copying process's user namespace: an id found on a file
// becomes the id the same image owner must have under another map. Built by the CLI from two
// maps (src/storage/id-shift.ts): "from:to:size,...", in the parse_id_map form (container_id =
// from, host_id = to). Empty = ids stay as they are.
struct IdShift {
  IdMap uids, gids;
  bool empty() const { return uids.empty() && gids.empty(); }
  // -1 when an id outside every range is asked for (a file the map can't express).
  long long uid(unsigned long id) const { return apply(uids, id); }
  long long gid(unsigned long id) const { return apply(gids, id); }
  static long long apply(const IdMap& m, unsigned long id);
};

// chown to the shifted owner of st (fd, or dirfd+name with AT_SYMLINK_NOFOLLOW when fd < 0).
int chown_shifted(int fd, int dirfd, const char* name, const struct stat& st, const IdShift& shift,
                  const std::string& where, Error& err);

// Makes dst's xattrs src's. `keep_overlay`: copy user.overlay.* too (a layer copied as a layer
// keeps its opaque marks); otherwise they are dropped (a merged copy has no layers). Under a
// shift, the ids inside values are shifted too: security.capability's root id (v3) and POSIX
// ACL entries. Both fds are regular files or directories.
int copy_xattrs(int src, int dst, bool clear_first, bool keep_overlay, const IdShift& shift,
                const std::string& where, Error& err);

// Hardlinks kept together in a copy: the first path of each multiply-linked inode is remembered
// (relative to the copy's root), and later names of it are linked to that copy.
class HardlinkSet {
 public:
  // For st (nlink > 1): links `name` in ddir to the first copy and sets `linked`, or remembers
  // `rel` as that first copy. `where` names the entry in messages.
  int link_or_remember(const struct stat& st, int dest_root, int ddir, const std::string& name,
                       const std::string& rel, const std::string& where, bool& linked, Error& err);
  void clear() { first_.clear(); }

 private:
  std::map<std::pair<dev_t, ino_t>, std::string> first_;
};

// Pulls "--shift-uids S" / "--shift-gids S" (or "=S") out of argv, leaving the other words in
// `rest` (argv[0] first) for parse_mode_args.
bool take_shift_args(int argc, char** argv, IdShift& shift, std::vector<char*>& rest, Error& err);

}  // namespace sandbox::unpack
