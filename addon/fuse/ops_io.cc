// The FUSE operations on open files, directories and xattrs. Data never takes Overlay::mu:
// reads are spliced from the file, writes copied (spliced when the kernel offers it) into it.
#include <dirent.h>
#include <fcntl.h>
#include <sys/statvfs.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <memory>
#include <string>
#include <vector>

#include "fuse/ops_common.h"

namespace sandbox::fuse {
namespace {

using namespace detail;

void op_open(fuse_req_t req, fuse_ino_t ino, fuse_file_info* fi) {
  Overlay& o = ov(req);
  int flags = fi->flags;
  const bool writes = (flags & O_ACCMODE) != O_RDONLY || (flags & O_TRUNC);
  if (writeback) {
    if ((flags & O_ACCMODE) == O_WRONLY) flags = (flags & ~O_ACCMODE) | O_RDWR;
    flags &= ~O_APPEND;
  }
  int fd;
  {
    Held h(o);
    Node* n = node(o, ino);
    if (n->removed) {
      // Reopened through /proc/PID/fd after its last name went (an unlinked open file, an
      // O_TMPFILE file): its kept fd still reaches the upper dir's inode.
      // A removed image file is still the layer's: reading it is all it allows.
      if (n->keep_fd < 0 || (writes && n->layer != 0)) return (void)fuse_reply_err(req, ENOENT);
      const std::string kept = "/proc/self/fd/" + std::to_string(n->keep_fd);
      fd = ::open(kept.c_str(), (flags & ~(O_CREAT | O_EXCL | O_NOCTTY | O_NOFOLLOW)) | O_CLOEXEC);
    } else {
      // Copy-up on the first open for writing (as the kernel overlay does), not on the first
      // write: an fd must never switch files under its owner.
      if (writes) {
        int r = o.copy_up(n);
        if (r < 0) return (void)fuse_reply_err(req, -r);
      }
      fd = ::openat(o.layer_fds[static_cast<size_t>(n->layer)], o.path(n).c_str(),
                    (flags & ~(O_CREAT | O_EXCL | O_NOCTTY)) | O_NOFOLLOW | O_CLOEXEC);
    }
    if (fd >= 0) n->opens++;
  }
  if (fd < 0) return (void)fuse_reply_err(req, errno);
  fi->fh = static_cast<uint64_t>(fd);
  fi->keep_cache = 1;  // the page cache stays valid: all writes come through this mount
  if (!writes) fi->noflush = 1;
  fuse_reply_open(req, fi);
}

void op_read(fuse_req_t req, fuse_ino_t, size_t size, off_t off, fuse_file_info* fi) {
  fuse_bufvec buf = FUSE_BUFVEC_INIT(size);
  buf.buf[0].flags = static_cast<fuse_buf_flags>(FUSE_BUF_IS_FD | FUSE_BUF_FD_SEEK);
  buf.buf[0].fd = static_cast<int>(fi->fh);
  buf.buf[0].pos = off;
  fuse_reply_data(req, &buf, FUSE_BUF_SPLICE_MOVE);
}

void op_write_buf(fuse_req_t req, fuse_ino_t, fuse_bufvec* in, off_t off, fuse_file_info* fi) {
  fuse_bufvec out = FUSE_BUFVEC_INIT(fuse_buf_size(in));
  out.buf[0].flags = static_cast<fuse_buf_flags>(FUSE_BUF_IS_FD | FUSE_BUF_FD_SEEK);
  out.buf[0].fd = static_cast<int>(fi->fh);
  out.buf[0].pos = off;
  ssize_t n = fuse_buf_copy(&out, in, FUSE_BUF_SPLICE_NONBLOCK);
  if (n < 0) return (void)fuse_reply_err(req, static_cast<int>(-n));
  fuse_reply_write(req, static_cast<size_t>(n));
}

void op_release(fuse_req_t req, fuse_ino_t ino, fuse_file_info* fi) {
  Overlay& o = ov(req);
  ::close(static_cast<int>(fi->fh));
  int kept = -1;
  {
    Held h(o);
    Node* n = node(o, ino);
    if (n->opens > 0 && --n->opens == 0 && n->removed) {
      // Its last file closed: nothing can reach it any more.
      kept = n->keep_fd;
      n->keep_fd = -1;
    }
  }
  if (kept >= 0) ::close(kept);
  fuse_reply_err(req, 0);
}

void op_fsync(fuse_req_t req, fuse_ino_t, int datasync, fuse_file_info* fi) {
  int fd = static_cast<int>(fi->fh);
  fuse_reply_err(req, (datasync ? ::fdatasync(fd) : ::fsync(fd)) < 0 ? errno : 0);
}

void op_fallocate(fuse_req_t req, fuse_ino_t, int mode, off_t off, off_t len, fuse_file_info* fi) {
  fuse_reply_err(req, ::fallocate(static_cast<int>(fi->fh), mode, off, len) < 0 ? errno : 0);
}

void op_lseek(fuse_req_t req, fuse_ino_t, off_t off, int whence, fuse_file_info* fi) {
  off_t r = ::lseek(static_cast<int>(fi->fh), off, whence);
  if (r < 0) return (void)fuse_reply_err(req, errno);
  fuse_reply_lseek(req, r);
}

struct DirHandle {
  std::vector<Overlay::Entry> entries;
};

void op_opendir(fuse_req_t req, fuse_ino_t ino, fuse_file_info* fi) {
  Overlay& o = ov(req);
  auto h = std::make_unique<DirHandle>();
  {
    Held l(o);
    Node* n = node(o, ino);
    if (n->removed) return (void)fuse_reply_err(req, ENOENT);
    // The listing is taken once per open, as a snapshot: offsets into it stay valid while the
    // directory changes (telldir/seekdir, rm -rf deleting what it reads).
    int r = o.list(n, h->entries);
    if (r < 0) return (void)fuse_reply_err(req, -r);
  }
  fi->fh = reinterpret_cast<uint64_t>(h.release());
  fuse_reply_open(req, fi);
}

void op_readdir(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off, fuse_file_info* fi) {
  auto* h = reinterpret_cast<DirHandle*>(fi->fh);
  std::string buf(size, '\0');
  size_t used = 0;
  const size_t total = h->entries.size() + 2;
  for (size_t i = static_cast<size_t>(off); i < total; i++) {
    struct stat st{};
    const char* name;
    if (i < 2) {
      name = i == 0 ? "." : "..";
      st.st_ino = ino;
      st.st_mode = S_IFDIR;
    } else {
      const auto& e = h->entries[i - 2];
      name = e.name.c_str();
      st.st_ino = e.ino;
      st.st_mode = static_cast<mode_t>(DTTOIF(e.type));
    }
    size_t want = fuse_add_direntry(req, buf.data() + used, size - used, name, &st, static_cast<off_t>(i + 1));
    if (want > size - used) break;
    used += want;
  }
  fuse_reply_buf(req, buf.data(), used);
}

// READDIRPLUS: the listing with each entry's lookup in the same reply, so `ls -l` or find(1)
// on a directory the kernel hasn't seen costs one request per page of entries instead of one
// LOOKUP per name (the kernel asks for it when lookups follow a readdir: READDIRPLUS_AUTO).
// Each entry sent counts as a lookup (the kernel will forget it), as in op_lookup.
void op_readdirplus(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off, fuse_file_info* fi) {
  Overlay& o = ov(req);
  auto* h = reinterpret_cast<DirHandle*>(fi->fh);
  std::string buf(size, '\0');
  size_t used = 0;
  const size_t total = h->entries.size() + 2;
  Held l(o);
  Node* d = node(o, ino);
  for (size_t i = static_cast<size_t>(off); i < total; i++) {
    fuse_entry_param e{};
    Node* n = nullptr;
    const char* name;
    if (i < 2) {
      // "." and "..": no lookup (the kernel skips them), just the type.
      name = i == 0 ? "." : "..";
      e.attr.st_ino = ino;
      e.attr.st_mode = S_IFDIR;
    } else {
      const auto& ent = h->entries[i - 2];
      name = ent.name.c_str();
      if (!d->removed && o.lookup(d, ent.name, &n) == 0 && o.stat(n, e.attr) == 0) {
        e.ino = id(o, n);
        e.attr_timeout = attr_timeout(e.attr);
        e.entry_timeout = kTimeout;
      } else {
        // Gone since the listing was taken: a plain entry, which the kernel will look up.
        n = nullptr;
        e = fuse_entry_param{};
        e.attr.st_ino = ent.ino;
        e.attr.st_mode = static_cast<mode_t>(DTTOIF(ent.type));
      }
    }
    size_t want = fuse_add_direntry_plus(req, buf.data() + used, size - used, name, &e, static_cast<off_t>(i + 1));
    if (want > size - used) break;
    used += want;
    if (n) n->nlookup++;
  }
  fuse_reply_buf(req, buf.data(), used);
}

void op_releasedir(fuse_req_t req, fuse_ino_t, fuse_file_info* fi) {
  delete reinterpret_cast<DirHandle*>(fi->fh);
  fuse_reply_err(req, 0);
}

void op_fsyncdir(fuse_req_t req, fuse_ino_t ino, int, fuse_file_info*) {
  Overlay& o = ov(req);
  int fd;
  {
    Held h(o);
    Node* n = node(o, ino);
    if (n->layer != 0) return (void)fuse_reply_err(req, 0);  // nothing of it is ours to sync
    fd = ::openat(o.layer_fds[0], o.path(n).c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  }
  if (fd < 0) return (void)fuse_reply_err(req, errno);
  int r = ::fsync(fd) < 0 ? errno : 0;
  ::close(fd);
  fuse_reply_err(req, r);
}

void op_statfs(fuse_req_t req, fuse_ino_t) {
  Overlay& o = ov(req);
  struct statvfs sv;
  if (::statvfs(o.layer_paths[0].c_str(), &sv) < 0) return (void)fuse_reply_err(req, errno);
  fuse_reply_statfs(req, &sv);
}

// xattrs go by path: O_PATH fds can't carry them, and opening symlinks or fifos to get a real
// fd would follow them or block.
std::string abs_path(Overlay& o, Node* n) {
  return o.layer_paths[static_cast<size_t>(n->layer)] + "/" + o.path(n);
}

void op_setxattr(fuse_req_t req, fuse_ino_t ino, const char* name, const char* value, size_t size, int flags) {
  Overlay& o = ov(req);
  if (own_xattr(name)) return (void)fuse_reply_err(req, EPERM);
  Held h(o);
  Node* n = node(o, ino);
  int r = n->removed ? -ENOENT : o.copy_up(n);
  if (r == 0 && ::lsetxattr(abs_path(o, n).c_str(), name, value, size, flags) < 0) r = -errno;
  fuse_reply_err(req, -r);
}

void op_getxattr(fuse_req_t req, fuse_ino_t ino, const char* name, size_t size) {
  Overlay& o = ov(req);
  if (own_xattr(name)) return (void)fuse_reply_err(req, ENODATA);
  std::string p;
  {
    Held h(o);
    Node* n = node(o, ino);
    // A file without a name any more (unlinked while open): its old path may name another
    // file by now, so it shows none.
    if (n->removed) return (void)fuse_reply_err(req, ENODATA);
    p = abs_path(o, n);
  }
  std::string buf(size, '\0');
  ssize_t len = ::lgetxattr(p.c_str(), name, size ? buf.data() : nullptr, size);
  if (len < 0) return (void)fuse_reply_err(req, errno);
  if (size == 0) return (void)fuse_reply_xattr(req, static_cast<size_t>(len));
  fuse_reply_buf(req, buf.data(), static_cast<size_t>(len));
}

void op_listxattr(fuse_req_t req, fuse_ino_t ino, size_t size) {
  Overlay& o = ov(req);
  std::string p;
  {
    Held h(o);
    Node* n = node(o, ino);
    if (n->removed) return (void)(size == 0 ? fuse_reply_xattr(req, 0) : fuse_reply_buf(req, nullptr, 0));
    p = abs_path(o, n);
  }
  ssize_t len = ::llistxattr(p.c_str(), nullptr, 0);
  if (len < 0) return (void)fuse_reply_err(req, errno);
  std::string all(static_cast<size_t>(len), '\0');
  len = ::llistxattr(p.c_str(), all.data(), all.size());
  if (len < 0) return (void)fuse_reply_err(req, errno);
  std::string shown;
  for (size_t i = 0; i < static_cast<size_t>(len);) {
    const char* nm = all.c_str() + i;
    size_t l = std::strlen(nm) + 1;
    if (!own_xattr(nm)) shown.append(nm, l);
    i += l;
  }
  if (size == 0) return (void)fuse_reply_xattr(req, shown.size());
  if (shown.size() > size) return (void)fuse_reply_err(req, ERANGE);
  fuse_reply_buf(req, shown.data(), shown.size());
}

void op_removexattr(fuse_req_t req, fuse_ino_t ino, const char* name) {
  Overlay& o = ov(req);
  if (own_xattr(name)) return (void)fuse_reply_err(req, ENODATA);
  Held h(o);
  Node* n = node(o, ino);
  int r = n->removed ? -ENOENT : o.copy_up(n);
  if (r == 0 && ::lremovexattr(abs_path(o, n).c_str(), name) < 0) r = -errno;
  fuse_reply_err(req, -r);
}

}  // namespace

void add_io_ops(fuse_lowlevel_ops& ops) {
  ops.open = op_open;
  ops.read = op_read;
  ops.write_buf = op_write_buf;
  // No flush: close(2) has nothing to tell us (data goes to the backing fd as it comes, locks
  // live in the kernel), and the first ENOSYS makes the kernel stop sending FLUSH, which was
  // a round trip on every close (two per `echo > f` in a shell: the redirection dup2s).
  ops.release = op_release;
  ops.fsync = op_fsync;
  ops.opendir = op_opendir;
  ops.readdir = op_readdir;
  ops.readdirplus = op_readdirplus;
  ops.releasedir = op_releasedir;
  ops.fsyncdir = op_fsyncdir;
  ops.statfs = op_statfs;
  ops.setxattr = op_setxattr;
  ops.getxattr = op_getxattr;
  ops.listxattr = op_listxattr;
  ops.removexattr = op_removexattr;
  ops.fallocate = op_fallocate;
  ops.lseek = op_lseek;
}

}  // namespace sandbox::fuse
