// The FUSE overlay: the merged view of read-only image layers and the container's upper
// directory, served on libfuse3's low-level API. The on-disk form is the kernel overlay's with
// `userxattr` (whiteout = char device 0:0, opaque dir = user.overlay.opaque=y), so an upper
// dir written by either driver reads the same under the other. Design: docs/storage.md.
#pragma once
#include <sys/stat.h>
#include <sys/types.h>

#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "sandbox/idmap.h"

namespace sandbox::fuse {

// Presented ids <-> ids on disk, both as this server sees them (it runs in the container's
// user namespace). Empty = identity. Built from the container's map and the map the layers
// were unpacked with: an id on disk is the host id storage_map(image id), which the container
// map shows as container_map^-1(host id); we show the image id instead.
struct IdRemap {
  IdMap container;  // container id -> host id (linux.uidMappings)
  IdMap storage;    // image id -> host id (what the layers and the upper dir were written with)
  bool active() const { return !storage.empty(); }
  // disk id (our view) -> the id the container sees
  unsigned present(unsigned disk) const;
  // id the container asked for -> disk id (our view)
  unsigned to_disk(unsigned shown) const;
};

struct OverlayConfig {
  std::vector<std::string> lowerdirs;  // top-most first
  std::string upperdir;
  std::string workdir;  // same filesystem as upperdir: copy-up stages files here
  IdRemap uids, gids;
};

// One name in the merged tree. Nodes live until they are removed and the kernel forgets them;
// a name that stays keeps its node, so its inode number is stable for the life of the mount.
struct Node {
  Node* parent = nullptr;
  std::string name;
  int layer = 0;          // where the visible object lives: 0 = upper, 1.. = lowerdirs
  bool in_lower = false;  // a lower layer holds this name: removing it needs a whiteout
  int dir_bottom = 0;     // directories: the lowest layer merged into it (opaque cut)
  mode_t type = 0;        // S_IFMT bits
  ino_t ino = 0;          // reported st_ino, fixed at first lookup
  uint64_t nlookup = 0;
  bool removed = false;
  // Files the kernel has open on this node (OPEN/CREATE not yet RELEASEd; a mapping keeps its
  // file open). A removed file is reachable only while this is above 0 (its fds, /proc/PID/fd).
  int opens = 0;
  // A removed regular file still open: an O_PATH fd keeps it reachable for getattr, setattr
  // and reopening after its name is gone. Closed with the last release or the forget.
  int keep_fd = -1;
  std::unordered_map<std::string, Node*> kids;
  // Names made by link(2) besides (parent, name): the kernel gets one node id for all of them,
  // so a write through one name is seen through the others at once (no stale cached size).
  std::vector<std::pair<Node*, std::string>> aliases;
};

class Overlay {
 public:
  int init(const OverlayConfig& cfg, std::string& problem);

  std::mutex mu;  // guards the node tree and serialises changes to the upper dir
  Node root;
  std::vector<int> layer_fds;            // [0] = upper, then lowers, top-most first
  std::vector<std::string> layer_paths;  // same order, for the *xattr(2) calls that take paths
  int work_fd = -1;
  IdRemap uids, gids;

  // All below: caller holds mu.
  std::string path(const Node* n) const;  // relative to a layer root; "." for the root
  // Look `name` up in `dir` across its layers. 0 and *out, or -errno.
  int lookup(Node* dir, const std::string& name, Node** out);
  int stat(const Node* n, struct stat& st) const;  // with ino and ids as presented
  int copy_up(Node* n);                             // make n (and its parents) exist in upper
  // Remove a whiteout at `name` in upper dir `d` (before creating there). Sets *was_whiteout.
  int clear_whiteout(Node* d, const std::string& name, bool* was_whiteout);
  int make_whiteout(Node* d, const std::string& name);
  // The merged listing of a directory, without whiteouts.
  struct Entry {
    std::string name;
    ino_t ino;
    unsigned char type;
  };
  int list(Node* d, std::vector<Entry>& out);
  Node* attach(Node* dir, const std::string& name, int layer, bool in_lower, const struct stat& st);
  void detach(Node* n);
  // One name of n goes away (unlink, or the source side of a rename); when it was the last,
  // n is removed, else another name becomes the one paths are built from.
  void drop_name(Node* n, Node* dir, const std::string& name);
  void add_name(Node* n, Node* dir, const std::string& name);
  void present_ids(struct stat& st) const;
  int chown_new(int dirfd, const std::string& rel, uid_t uid, gid_t gid) const;

 private:
  bool opaque(int layer, const std::string& rel) const;
  std::string work_path_;
  int dir_range(const std::string& rel, int top, int bottom_limit, int& bottom) const;
};

bool is_whiteout(const struct stat& st);

// Serve the overlay on an open /dev/fuse fd (the mount is already made). Returns when the
// filesystem is unmounted. Threads: up to `threads` workers.
int serve(const OverlayConfig& cfg, int fuse_fd, int threads, std::string& problem);

}  // namespace sandbox::fuse
