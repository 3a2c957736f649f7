// The FUSE low-level operations of the overlay. Namespace changes (create, remove, rename,
// copy-up) run under Overlay::mu; data (read, write, fsync) goes straight to the open fd, with
// splice where libfuse can, and never takes the lock. The kernel may cache entries and
// attributes for long: this server is the only writer of the upper dir and the lower layers
// are immutable, so every change goes through the kernel, which invalidates what it changes.
#include <dirent.h>
#include <fcntl.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <cstring>
#include <vector>

#include "fuse/ops.h"
#include "fuse/ops_common.h"

namespace sandbox::fuse {
namespace {

using namespace detail;

void op_init(void*, fuse_conn_info* conn) {
  if (conn->capable & FUSE_CAP_WRITEBACK_CACHE) {
    conn->want |= FUSE_CAP_WRITEBACK_CACHE;
    writeback = true;
  }
  conn->want |= conn->capable & (FUSE_CAP_SPLICE_WRITE | FUSE_CAP_SPLICE_MOVE | FUSE_CAP_SPLICE_READ);
  conn->want |= conn->capable & FUSE_CAP_PARALLEL_DIROPS;
  // Symlink targets cached in the kernel: images are full of them (busybox's applets, usr
  // merges), and without it every path through one costs a READLINK round trip. Safe for the
  // same reason as the entry cache: a symlink only changes through this mount.
  conn->want |= conn->capable & FUSE_CAP_CACHE_SYMLINKS;
  // libfuse asks for this by default: drop cached pages when a file's mtime or size moves
  // behind the kernel's back. Nothing moves behind its back here (layers are immutable, and
  // the upper dir changes only through this mount), so it only costs checks on reads.
  conn->want &= ~FUSE_CAP_AUTO_INVAL_DATA;
  // Also asked for by default: "the server clears set-id bits on write, truncate and chown".
  // Ours doesn't (its writes are root's in the user namespace, which keeps them), so the kernel
  // must: kernels that honour this flag would otherwise leave a setuid file setuid after an
  // unprivileged write. (6.18 clears them itself either way: GETATTR, SETATTR mode.)
  conn->want &= ~FUSE_CAP_HANDLE_KILLPRIV;
  // 1 MiB writes (the kernel's FUSE_MAX_PAGES, 256 pages; libfuse's buffer holds that much)
  // instead of the default 128 KiB: writeback flushes big files in an eighth of the requests.
  conn->max_write = 1u << 20;
}

void op_lookup(fuse_req_t req, fuse_ino_t parent, const char* name) {
  Overlay& o = ov(req);
  Held h(o);
  Node* d = node(o, parent);
  Node* n = nullptr;
  int r = d->removed ? -ENOENT : o.lookup(d, name, &n);
  struct stat st;
  if (r == 0) r = o.stat(n, st);
  if (r == -ENOENT) {
    // A negative entry: the name can only appear through this mount, which tells the kernel.
    fuse_entry_param e{};
    e.entry_timeout = kTimeout;
    fuse_reply_entry(req, &e);
    return;
  }
  if (r < 0) return (void)fuse_reply_err(req, -r);
  reply_entry(req, o, n, st);
}

// Returns a kept fd for the caller to close once the lock is released: closing the last fd of
// an unlinked file is when the host filesystem frees it, which must not stall every request.
int forget_one(Overlay& o, fuse_ino_t ino, uint64_t count) {
  Node* n = node(o, ino);
  n->nlookup -= count < n->nlookup ? count : n->nlookup;
  int fd = -1;
  if (n->nlookup == 0 && n->removed && n != &o.root) {
    fd = n->keep_fd;
    delete n;
  }
  return fd;
}

void op_forget(fuse_req_t req, fuse_ino_t ino, uint64_t nlookup) {
  Overlay& o = ov(req);
  int fd;
  {
    Held h(o);
    fd = forget_one(o, ino, nlookup);
  }
  if (fd >= 0) ::close(fd);
  fuse_reply_none(req);
}

void op_forget_multi(fuse_req_t req, size_t count, fuse_forget_data* forgets) {
  Overlay& o = ov(req);
  std::vector<int> fds;
  {
    Held h(o);
    for (size_t i = 0; i < count; i++) {
      int fd = forget_one(o, forgets[i].ino, forgets[i].nlookup);
      if (fd >= 0) fds.push_back(fd);
    }
  }
  for (int fd : fds) ::close(fd);
  fuse_reply_none(req);
}

void op_getattr(fuse_req_t req, fuse_ino_t ino, fuse_file_info* fi) {
  Overlay& o = ov(req);
  struct stat st;
  int r;
  Held h(o);
  Node* n = node(o, ino);
  if (fi && fi->fh && !S_ISDIR(n->type)) {
    // An open file answers for itself, even once unlinked.
    r = ::fstat(static_cast<int>(fi->fh), &st) < 0 ? -errno : 0;
    st.st_ino = n->ino;
    o.present_ids(st);
  } else {
    r = o.stat(n, st);
  }
  if (r < 0) return (void)fuse_reply_err(req, -r);
  fuse_reply_attr(req, &st, attr_timeout(st));
}

void op_setattr(fuse_req_t req, fuse_ino_t ino, struct stat* attr, int to_set, fuse_file_info* fi) {
  Overlay& o = ov(req);
  Held h(o);
  Node* n = node(o, ino);
  const int fd = fi && fi->fh ? static_cast<int>(fi->fh) : -1;
  // A removed file is reached through its kept fd (the kernel flushes times after unlink).
  const bool kept = n->removed && n->keep_fd >= 0;
  // Times the kernel writes back for a file whose last name is gone (under the writeback cache
  // it owns mtime and ctime, and flushes the unlink's ctime at once). Nothing on disk is to
  // change when the file is unreachable (not open) or an image layer's, but an error here would
  // be recorded as a writeback error of the whole filesystem: syncfs(2) in the container would
  // fail after any rm. So the answer is the attributes as they stand.
  constexpr int kTimes = FUSE_SET_ATTR_ATIME | FUSE_SET_ATTR_MTIME | FUSE_SET_ATTR_ATIME_NOW |
                         FUSE_SET_ATTR_MTIME_NOW | FUSE_SET_ATTR_CTIME | FUSE_SET_ATTR_FORCE;
  if (n->removed && !(to_set & ~kTimes) && (n->layer != 0 || (fd < 0 && !kept))) {
    struct stat st{};
    if (n->keep_fd < 0 || ::fstat(n->keep_fd, &st) < 0) {
      st = {};
      st.st_mode = n->type;
    }
    st.st_ino = n->ino;
    o.present_ids(st);
    return (void)fuse_reply_attr(req, &st, 0);
  }
  // A removed image file (kept open for reading) must never change: it is the layer's.
  int r = n->removed && ((fd < 0 && !kept) || n->layer != 0) ? -ENOENT : (n->removed ? 0 : o.copy_up(n));
  const int up = kept ? AT_FDCWD : o.layer_fds[0];
  const std::string rel = kept ? "/proc/self/fd/" + std::to_string(n->keep_fd) : o.path(n);
  const int nofollow = kept ? 0 : AT_SYMLINK_NOFOLLOW;
  if (r == 0 && (to_set & FUSE_SET_ATTR_MODE)) {
    if ((fd >= 0 ? ::fchmod(fd, attr->st_mode & 07777) : ::fchmodat(up, rel.c_str(), attr->st_mode & 07777, 0)) < 0)
      r = -errno;
  }
  if (r == 0 && (to_set & (FUSE_SET_ATTR_UID | FUSE_SET_ATTR_GID))) {
    uid_t u = (to_set & FUSE_SET_ATTR_UID) ? o.uids.to_disk(attr->st_uid) : static_cast<uid_t>(-1);
    gid_t g = (to_set & FUSE_SET_ATTR_GID) ? o.gids.to_disk(attr->st_gid) : static_cast<gid_t>(-1);
    if (::fchownat(up, rel.c_str(), u, g, nofollow) < 0) r = -errno;
  }
  if (r == 0 && (to_set & FUSE_SET_ATTR_SIZE)) {
    if (fd >= 0) {
      if (::ftruncate(fd, attr->st_size) < 0) r = -errno;
    } else {
      int t = ::openat(up, rel.c_str(), O_WRONLY | (kept ? 0 : O_NOFOLLOW) | O_CLOEXEC);
      if (t < 0 || ::ftruncate(t, attr->st_size) < 0) r = -errno;
      if (t >= 0) ::close(t);
    }
  }
  if (r == 0 && (to_set & (FUSE_SET_ATTR_ATIME | FUSE_SET_ATTR_MTIME))) {
    struct timespec tv[2];
    tv[0].tv_nsec = tv[1].tv_nsec = UTIME_OMIT;
    if (to_set & FUSE_SET_ATTR_ATIME_NOW) tv[0].tv_nsec = UTIME_NOW;
    else if (to_set & FUSE_SET_ATTR_ATIME) tv[0] = attr->st_atim;
    if (to_set & FUSE_SET_ATTR_MTIME_NOW) tv[1].tv_nsec = UTIME_NOW;
    else if (to_set & FUSE_SET_ATTR_MTIME) tv[1] = attr->st_mtim;
    if ((fd >= 0 ? ::futimens(fd, tv) : ::utimensat(up, rel.c_str(), tv, nofollow)) < 0) r = -errno;
  }
  struct stat st;
  if (r == 0) {
    if (fd >= 0) {
      r = ::fstat(fd, &st) < 0 ? -errno : 0;
      st.st_ino = n->ino;
      o.present_ids(st);
    } else {
      r = o.stat(n, st);
    }
  }
  if (r < 0) return (void)fuse_reply_err(req, -r);
  fuse_reply_attr(req, &st, attr_timeout(st));
}

void op_readlink(fuse_req_t req, fuse_ino_t ino) {
  Overlay& o = ov(req);
  Held h(o);
  Node* n = node(o, ino);
  char buf[PATH_MAX + 1];
  ssize_t len = ::readlinkat(o.layer_fds[static_cast<size_t>(n->layer)], o.path(n).c_str(), buf, PATH_MAX);
  if (len < 0) return (void)fuse_reply_err(req, errno);
  buf[len] = '\0';
  fuse_reply_readlink(req, buf);
}

// The common start of every create: the name must be free in the merged view, the parent must
// exist in the upper dir, and a whiteout in its place goes (remembered: a directory created
// there must become opaque, and removing the new entry must put the whiteout back).
int begin_create(Overlay& o, Node* d, const char* name, bool& over_whiteout) {
  if (d->removed) return -ENOENT;
  Node* existing = nullptr;
  int r = o.lookup(d, name, &existing);
  if (r == 0) return -EEXIST;
  if (r != -ENOENT) return r;
  if ((r = o.copy_up(d)) < 0) return r;
  return o.clear_whiteout(d, name, &over_whiteout);
}

// The common end: owner from the caller, node, reply.
void finish_create(fuse_req_t req, Overlay& o, Node* d, const char* name, bool over_whiteout,
                   int dir_fd_for_create = -1, fuse_file_info* fi = nullptr) {
  const std::string rel = join(o.path(d), name);
  const fuse_ctx* ctx = fuse_req_ctx(req);
  int r = o.chown_new(o.layer_fds[0], rel, ctx->uid, ctx->gid);
  struct stat st;
  if (r == 0 && ::fstatat(o.layer_fds[0], rel.c_str(), &st, AT_SYMLINK_NOFOLLOW) < 0) r = -errno;
  if (r < 0) {
    ::unlinkat(o.layer_fds[0], rel.c_str(), 0);
    ::unlinkat(o.layer_fds[0], rel.c_str(), AT_REMOVEDIR);
    if (dir_fd_for_create >= 0) ::close(dir_fd_for_create);
    return (void)fuse_reply_err(req, -r);
  }
  Node* n = o.attach(d, name, 0, over_whiteout, st);
  o.present_ids(st);
  if (fi) {
    fuse_entry_param e{};
    e.ino = id(o, n);
    e.attr = st;
    e.attr_timeout = attr_timeout(st);
    e.entry_timeout = kTimeout;
    n->nlookup++;
    fi->fh = static_cast<uint64_t>(dir_fd_for_create);
    fi->keep_cache = 1;
    n->opens++;
    fuse_reply_create(req, &e, fi);
    return;
  }
  reply_entry(req, o, n, st);
}

void op_mknod(fuse_req_t req, fuse_ino_t parent, const char* name, mode_t mode, dev_t rdev) {
  Overlay& o = ov(req);
  Held h(o);
  Node* d = node(o, parent);
  bool wh = false;
  int r = begin_create(o, d, name, wh);
  if (r == 0 && ::mknodat(o.layer_fds[0], join(o.path(d), name).c_str(), mode, rdev) < 0) r = -errno;
  if (r < 0) return (void)fuse_reply_err(req, -r);
  finish_create(req, o, d, name, wh);
}

void op_mkdir(fuse_req_t req, fuse_ino_t parent, const char* name, mode_t mode) {
  Overlay& o = ov(req);
  Held h(o);
  Node* d = node(o, parent);
  bool wh = false;
  int r = begin_create(o, d, name, wh);
  const std::string rel = join(o.path(d), name);
  if (r == 0 && ::mkdirat(o.layer_fds[0], rel.c_str(), mode) < 0) r = -errno;
  // Over a whiteout a lower directory of that name may still exist: opaque hides its content,
  // as the kernel overlay does.
  if (r == 0 && wh) {
    std::string p = o.layer_paths[0] + "/" + rel;
    if (::lsetxattr(p.c_str(), "user.overlay.opaque", "y", 1, 0) < 0) r = -errno;
  }
  if (r < 0) return (void)fuse_reply_err(req, -r);
  finish_create(req, o, d, name, wh);
}

void op_symlink(fuse_req_t req, const char* link, fuse_ino_t parent, const char* name) {
  Overlay& o = ov(req);
  Held h(o);
  Node* d = node(o, parent);
  bool wh = false;
  int r = begin_create(o, d, name, wh);
  if (r == 0 && ::symlinkat(link, o.layer_fds[0], join(o.path(d), name).c_str()) < 0) r = -errno;
  if (r < 0) return (void)fuse_reply_err(req, -r);
  finish_create(req, o, d, name, wh);
}

// open(2) flags for a file the kernel will use through its writeback cache, which reads pages
// back from write-only files and does appends itself.
int backing_flags(int flags) {
  if (writeback) {
    if ((flags & O_ACCMODE) == O_WRONLY) flags = (flags & ~O_ACCMODE) | O_RDWR;
    flags &= ~O_APPEND;
  }
  return flags;
}

// O_TMPFILE (FUSE_TMPFILE, handed to us as a CREATE named "/": see server.cc). The file is an
// unnamed inode in the parent's upper directory, a node with no name (removed, reached through
// keep_fd like an unlinked open file) until linkat(2) gives it one (op_link). It is made
// linkable on the host side; O_EXCL's "never linkable" is the container kernel's to enforce,
// and it does (I_LINKABLE) before any LINK reaches us.
void create_tmpfile(fuse_req_t req, Overlay& o, Node* d, mode_t mode, fuse_file_info* fi) {
  int r = d->removed ? -ENOENT : o.copy_up(d);
  int fd = -1;
  if (r == 0) {
    fd = ::openat(o.layer_fds[0], o.path(d).c_str(), O_TMPFILE | O_RDWR | O_CLOEXEC, mode & 07777);
    if (fd < 0) r = -errno;
  }
  const fuse_ctx* ctx = fuse_req_ctx(req);
  if (r == 0 && ::fchown(fd, o.uids.to_disk(ctx->uid), o.gids.to_disk(ctx->gid)) < 0) r = -errno;
  struct stat st;
  if (r == 0 && ::fstat(fd, &st) < 0) r = -errno;
  int keep = -1;
  if (r == 0) {
    keep = ::open(("/proc/self/fd/" + std::to_string(fd)).c_str(), O_PATH | O_CLOEXEC);
    if (keep < 0) r = -errno;
  }
  if (r < 0) {
    if (fd >= 0) ::close(fd);
    return (void)fuse_reply_err(req, -r);
  }
  Node* n = new Node;
  n->parent = d;
  n->type = S_IFREG;
  n->ino = st.st_ino;
  n->removed = true;
  n->keep_fd = keep;
  n->opens = 1;
  st.st_ino = n->ino;
  o.present_ids(st);
  fuse_entry_param e{};
  e.ino = id(o, n);
  e.attr = st;
  e.attr_timeout = attr_timeout(st);
  n->nlookup++;
  fi->fh = static_cast<uint64_t>(fd);
  fi->keep_cache = 1;
  fuse_reply_create(req, &e, fi);
}

void op_create(fuse_req_t req, fuse_ino_t parent, const char* name, mode_t mode, fuse_file_info* fi) {
  Overlay& o = ov(req);
  Held h(o);
  Node* d = node(o, parent);
  if (std::strcmp(name, "/") == 0) return create_tmpfile(req, o, d, mode, fi);
  bool wh = false;
  int r = begin_create(o, d, name, wh);
  const int flags = backing_flags(fi->flags);
  int fd = -1;
  if (r == 0) {
    fd = ::openat(o.layer_fds[0], join(o.path(d), name).c_str(),
                  (flags | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC) & ~O_NOCTTY, mode);
    if (fd < 0) r = -errno;
  }
  if (r < 0) return (void)fuse_reply_err(req, -r);
  finish_create(req, o, d, name, wh, fd, fi);
}

void op_link(fuse_req_t req, fuse_ino_t ino, fuse_ino_t newparent, const char* newname) {
  Overlay& o = ov(req);
  Held h(o);
  Node* n = node(o, ino);
  Node* d = node(o, newparent);
  bool wh = false;
  // A node without a name that the kernel still links: an O_TMPFILE file (the kernel refuses
  // a link to an unlinked file itself, so nothing else gets here). Linked through its kept fd.
  const bool unnamed = n->removed && n->keep_fd >= 0 && n->layer == 0;
  int r = unnamed ? 0 : (n->removed ? -ENOENT : o.copy_up(n));
  if (r == 0) r = begin_create(o, d, newname, wh);
  const std::string rel = join(o.path(d), newname);
  if (r == 0) {
    const int l = unnamed ? ::linkat(AT_FDCWD, ("/proc/self/fd/" + std::to_string(n->keep_fd)).c_str(), o.layer_fds[0],
                                     rel.c_str(), AT_SYMLINK_FOLLOW)
                          : ::linkat(o.layer_fds[0], o.path(n).c_str(), o.layer_fds[0], rel.c_str(), 0);
    if (l < 0) r = -errno;
  }
  struct stat st;
  if (r == 0 && ::fstatat(o.layer_fds[0], rel.c_str(), &st, AT_SYMLINK_NOFOLLOW) < 0) r = -errno;
  if (r < 0) return (void)fuse_reply_err(req, -r);
  // The same node for the new name: the kernel then keeps one inode (and one page cache and
  // one set of attributes) for both names, as for any hard link.
  o.add_name(n, d, newname);
  if (unnamed) {
    // Named now: paths reach it, and removing the name must restore a whiteout it replaced.
    n->in_lower = wh;
    ::close(n->keep_fd);
    n->keep_fd = -1;
  }
  st.st_ino = n->ino;
  o.present_ids(st);
  reply_entry(req, o, n, st);
}

// Empty an upper directory of the whiteouts that made it look empty, so rmdir/rename can go.
int clear_upper_dir(Overlay& o, const std::string& rel) {
  int fd = ::openat(o.layer_fds[0], rel.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0) return errno == ENOENT ? 0 : -errno;
  DIR* dp = ::fdopendir(fd);
  if (!dp) {
    ::close(fd);
    return -ENOMEM;
  }
  int r = 0;
  while (struct dirent* e = ::readdir(dp)) {
    if (std::strcmp(e->d_name, ".") == 0 || std::strcmp(e->d_name, "..") == 0) continue;
    if (::unlinkat(::dirfd(dp), e->d_name, 0) < 0) r = -errno;
  }
  ::closedir(dp);
  return r;
}

int remove_entry(Overlay& o, Node* d, const char* name, bool want_dir) {
  if (d->removed) return -ENOENT;
  Node* n = nullptr;
  int r = o.lookup(d, name, &n);
  if (r < 0) return r;
  const bool is_dir = S_ISDIR(n->type);
  if (want_dir && !is_dir) return -ENOTDIR;
  if (!want_dir && is_dir) return -EISDIR;
  if (is_dir) {
    std::vector<Overlay::Entry> entries;
    if ((r = o.list(n, entries)) < 0) return r;
    if (!entries.empty()) return -ENOTEMPTY;
  }
  if (n->in_lower && (r = o.copy_up(d)) < 0) return r;
  const std::string rel = join(o.path(d), name);
  // The last name of a file still open (read through its fds, reopened through /proc/PID/fd):
  // an O_PATH fd keeps its inode reachable, in the upper dir or, read-only, in its image layer.
  // A file nobody has open is unreachable once unnamed: nothing to keep (rm -rf stays cheap).
  if (!is_dir && n->opens > 0 && n->keep_fd < 0 && n->aliases.empty())
    n->keep_fd = ::openat(o.layer_fds[static_cast<size_t>(n->layer)], rel.c_str(), O_PATH | O_NOFOLLOW | O_CLOEXEC);
  if (n->layer == 0) {
    if (is_dir && (r = clear_upper_dir(o, rel)) < 0) return r;
    if (::unlinkat(o.layer_fds[0], rel.c_str(), is_dir ? AT_REMOVEDIR : 0) < 0) return -errno;
  }
  if (n->in_lower && (r = o.make_whiteout(d, name)) < 0) return r;
  o.drop_name(n, d, name);
  return 0;
}

void op_unlink(fuse_req_t req, fuse_ino_t parent, const char* name) {
  Overlay& o = ov(req);
  Held h(o);
  fuse_reply_err(req, -remove_entry(o, node(o, parent), name, false));
}

void op_rmdir(fuse_req_t req, fuse_ino_t parent, const char* name) {
  Overlay& o = ov(req);
  Held h(o);
  fuse_reply_err(req, -remove_entry(o, node(o, parent), name, true));
}

// A directory that merges lower layers can't move without redirect metadata; like the kernel
// overlay without redirect_dir (the default in a user namespace) we answer EXDEV, and mv(1)
// copies instead.
bool merged_dir(const Node* n) { return S_ISDIR(n->type) && (n->layer > 0 || n->dir_bottom > 0); }

int set_opaque(Overlay& o, Node* n) {
  std::string p = o.layer_paths[0] + "/" + o.path(n);
  return ::lsetxattr(p.c_str(), "user.overlay.opaque", "y", 1, 0) < 0 ? -errno : 0;
}

int do_rename(Overlay& o, Node* sp, const char* sname, Node* dp, const char* dname, unsigned flags) {
  if (flags & ~(RENAME_NOREPLACE | RENAME_EXCHANGE)) return -EINVAL;
  if (sp->removed || dp->removed) return -ENOENT;
  Node* s = nullptr;
  Node* d = nullptr;
  int r = o.lookup(sp, sname, &s);
  if (r < 0) return r;
  r = o.lookup(dp, dname, &d);
  if (r < 0 && r != -ENOENT) return r;
  if (s == d) return 0;
  const bool exchange = flags & RENAME_EXCHANGE;
  if (d && (flags & RENAME_NOREPLACE)) return -EEXIST;
  if (!d && exchange) return -ENOENT;
  if (merged_dir(s) || (exchange && merged_dir(d))) return -EXDEV;
  for (Node* p = dp; p; p = p->parent)
    if (p == s) return -EINVAL;  // into its own subtree
  bool dst_in_lower = false;
  if (d && !exchange) {
    if (S_ISDIR(d->type)) {
      if (!S_ISDIR(s->type)) return -EISDIR;
      std::vector<Overlay::Entry> entries;
      if ((r = o.list(d, entries)) < 0) return r;
      if (!entries.empty()) return -ENOTEMPTY;
    } else if (S_ISDIR(s->type)) {
      return -ENOTDIR;
    }
    dst_in_lower = d->in_lower;
  }
  if ((r = o.copy_up(s)) < 0 || (r = o.copy_up(dp)) < 0) return r;
  if (exchange && (r = o.copy_up(d)) < 0) return r;
  if (s->in_lower && (r = o.copy_up(sp)) < 0) return r;
  const std::string srel = join(o.path(sp), sname);  // sname may be one of several links
  const std::string drel = join(o.path(dp), dname);
  if (d && !exchange && d->layer == 0 && S_ISDIR(d->type) && (r = clear_upper_dir(o, drel)) < 0) return r;
  if (!d) {
    bool wh = false;
    if ((r = o.clear_whiteout(dp, dname, &wh)) < 0) return r;
    dst_in_lower = wh;
  }
  if (d && !exchange && d->layer > 0) {
    // Only a lower layer has the destination: nothing in the upper dir to replace.
  }
  if (::renameat2(o.layer_fds[0], srel.c_str(), o.layer_fds[0], drel.c_str(), exchange ? RENAME_EXCHANGE : 0) < 0)
    return -errno;
  if (exchange) {
    std::swap(s->in_lower, d->in_lower);
    o.drop_name(s, sp, sname);
    o.drop_name(d, dp, dname);
    o.add_name(s, dp, dname);
    o.add_name(d, sp, sname);
    if (S_ISDIR(d->type) && d->in_lower) set_opaque(o, d);
  } else {
    if (d) o.drop_name(d, dp, dname);
    const bool src_in_lower = s->in_lower;
    o.drop_name(s, sp, sname);
    o.add_name(s, dp, dname);
    s->in_lower = dst_in_lower;
    if (src_in_lower && (r = o.make_whiteout(sp, sname)) < 0) return r;
  }
  if (S_ISDIR(s->type) && s->in_lower) set_opaque(o, s);
  return 0;
}

void op_rename(fuse_req_t req, fuse_ino_t parent, const char* name, fuse_ino_t newparent,
               const char* newname, unsigned int flags) {
  Overlay& o = ov(req);
  Held h(o);
  fuse_reply_err(req, -do_rename(o, node(o, parent), name, node(o, newparent), newname, flags));
}

}  // namespace

fuse_lowlevel_ops overlay_ops() {
  fuse_lowlevel_ops ops{};
  ops.init = op_init;
  ops.lookup = op_lookup;
  ops.forget = op_forget;
  ops.forget_multi = op_forget_multi;
  ops.getattr = op_getattr;
  ops.setattr = op_setattr;
  ops.readlink = op_readlink;
  ops.mknod = op_mknod;
  ops.mkdir = op_mkdir;
  ops.unlink = op_unlink;
  ops.rmdir = op_rmdir;
  ops.symlink = op_symlink;
  ops.rename = op_rename;
  ops.link = op_link;
  ops.create = op_create;
  add_io_ops(ops);
  return ops;
}

}  // namespace sandbox::fuse
