#include "unpack/copy_support.h"

#include "sandbox/unique_fd.h"

#include <dirent.h>
#include <fcntl.h>
#include <linux/fs.h>
#include <linux/openat2.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstring>
#include <string_view>

namespace sandbox::unpack {

namespace {

// Nobody else writes a copy while we build it, so a path resolved this way stays what it was.
constexpr unsigned long long kBeneath = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS | RESOLVE_NO_XDEV;

// Copies [off, off+len) of in to the same offsets of out: copy_file_range where the kernel
// can, else pread/pwrite. Returns the bytes copied (fewer when the file is shorter).
ssize_t copy_range(int in, int out, off_t off, off_t len, bool& use_cfr, std::vector<char>& buf) {
  off_t done = 0;
  while (done < len) {
    ssize_t n;
    if (use_cfr) {
      loff_t a = off + done, b = off + done;
      n = ::copy_file_range(in, &a, out, &b, static_cast<size_t>(len - done), 0);
      if (n < 0 && (errno == EXDEV || errno == EINVAL || errno == ENOSYS || errno == EOPNOTSUPP)) {
        use_cfr = false;
        continue;
      }
    } else {
      if (buf.empty()) buf.resize(1 << 20);
      n = ::pread(in, buf.data(), std::min(buf.size(), static_cast<size_t>(len - done)), off + done);
      for (ssize_t w = 0; n > 0 && w < n;) {
        ssize_t m = ::pwrite(out, buf.data() + w, static_cast<size_t>(n - w), off + done + w);
        if (m < 0) {
          if (errno == EINTR) continue;
          return -1;
        }
        w += m;
      }
    }
    if (n < 0) {
      if (errno == EINTR) continue;
      return -1;
    }
    if (n == 0) break;
    done += n;
  }
  return static_cast<ssize_t>(done);
}

// Overlay's own bookkeeping (opaque marks) describes the layer, not the file.
bool overlay_private(const std::string& name) { return name.rfind("user.overlay.", 0) == 0; }

uint32_t get_le32(const char* p) {
  auto u = reinterpret_cast<const unsigned char*>(p);
  return uint32_t(u[0]) | uint32_t(u[1]) << 8 | uint32_t(u[2]) << 16 | uint32_t(u[3]) << 24;
}
uint16_t get_le16(const char* p) {
  auto u = reinterpret_cast<const unsigned char*>(p);
  return static_cast<uint16_t>(u[0] | u[1] << 8);
}
void put_le32(char* p, uint32_t v) {
  for (int i = 0; i < 4; i++) p[i] = static_cast<char>((v >> (8 * i)) & 0xff);
}

// security.capability as this namespace reads it: v2 (20 bytes) when the file's capabilities
// belong to our root, v3 (24 bytes, + the root id) otherwise. The kernel applies a file's
// capabilities only in the namespace whose root the root id is, so a shifted copy must move
// the root id with the owners: image root becomes shift(0), written as v3 (v2 when it is 0).
constexpr uint32_t kCapRevMask = 0xFF000000, kCapRev2 = 0x02000000, kCapRev3 = 0x03000000;
constexpr size_t kCapV2Size = 20, kCapV3Size = 24;

bool shift_capability(std::vector<char>& v, size_t& n, const IdShift& shift, Error& err) {
  if (n < kCapV2Size) return true;  // not a form we know: copied as it is (the kernel judges it)
  uint32_t rev = get_le32(v.data()) & kCapRevMask;
  unsigned long root = 0;
  if (rev == kCapRev3 && n >= kCapV3Size) root = get_le32(v.data() + kCapV2Size);
  else if (rev != kCapRev2) return true;
  long long to = shift.uid(root);
  if (to < 0) return err.fail("file capabilities of root id " + std::to_string(root) + " have no place in the shifted map", EOVERFLOW), false;
  if (v.size() < kCapV3Size) v.resize(kCapV3Size);
  if (to == 0) {
    put_le32(v.data(), (get_le32(v.data()) & ~kCapRevMask) | kCapRev2);
    n = kCapV2Size;
  } else {
    put_le32(v.data(), (get_le32(v.data()) & ~kCapRevMask) | kCapRev3);
    put_le32(v.data() + kCapV2Size, static_cast<uint32_t>(to));
    n = kCapV3Size;
  }
  return true;
}

// POSIX ACLs name users and groups by id: a version word, then {tag16, perm16, id32} entries;
// ACL_USER (2) and ACL_GROUP (8) entries carry ids the shift moves.
constexpr uint16_t kAclUser = 0x02, kAclGroup = 0x08;

bool shift_acl(std::vector<char>& v, size_t n, const IdShift& shift, Error& err) {
  for (size_t off = 4; off + 8 <= n; off += 8) {
    uint16_t tag = get_le16(v.data() + off);
    if (tag != kAclUser && tag != kAclGroup) continue;
    unsigned long id = get_le32(v.data() + off + 4);
    long long to = tag == kAclUser ? shift.uid(id) : shift.gid(id);
    if (to < 0) return err.fail("an ACL entry for id " + std::to_string(id) + " has no place in the shifted map", EOVERFLOW), false;
    put_le32(v.data() + off + 4, static_cast<uint32_t>(to));
  }
  return true;
}

}  // namespace

int open_beneath(int root, const std::string& rel, int flags) {
  open_how how{};
  how.flags = static_cast<unsigned long long>(flags | O_CLOEXEC);
  how.resolve = kBeneath;
  return static_cast<int>(::syscall(SYS_openat2, root, rel.empty() ? "." : rel.c_str(), &how, sizeof how));
}

std::string join_rel(const std::string& dir, const std::string& name) { return dir.empty() ? name : dir + "/" + name; }

bool is_whiteout(const struct stat& st) { return S_ISCHR(st.st_mode) && st.st_rdev == makedev(0, 0); }

int list_dir(int fd, std::vector<std::string>& names, const std::string& where, Error& err) {
  if (::lseek(fd, 0, SEEK_SET) < 0) return err.sys("rewinding " + where);
  alignas(8) char buf[32768];
  for (;;) {
    ssize_t n = ::getdents64(fd, buf, sizeof buf);
    if (n < 0) return err.sys("reading directory " + where);
    if (n == 0) return 0;
    for (ssize_t off = 0; off < n;) {
      auto* d = reinterpret_cast<struct dirent64*>(buf + off);
      off += d->d_reclen;
      if (std::strcmp(d->d_name, ".") != 0 && std::strcmp(d->d_name, "..") != 0) names.emplace_back(d->d_name);
    }
  }
}

int xattr_names(int fd, std::vector<std::string>& out, const std::string& where, Error& err) {
  std::vector<char> buf(1024);
  for (;;) {
    ssize_t n = ::flistxattr(fd, buf.data(), buf.size());
    if (n >= 0) {
      for (ssize_t i = 0; i < n;) {
        std::string name(buf.data() + i);
        i += static_cast<ssize_t>(name.size()) + 1;
        if (!name.empty()) out.push_back(std::move(name));
      }
      return 0;
    }
    if (errno == ENOTSUP) return 0;
    if (errno != ERANGE) return err.sys("listing xattrs of " + where);
    ssize_t need = ::flistxattr(fd, nullptr, 0);
    if (need < 0) return err.sys("listing xattrs of " + where);
    buf.resize(static_cast<size_t>(need) + 1);
  }
}

int copy_data(int in, int out, off_t size, const std::string& where, Error& err) {
  if (size == 0) return 0;
  if (::ioctl(out, FICLONE, in) == 0) return 0;
  bool use_cfr = true;
  std::vector<char> buf;
  for (off_t pos = 0; pos < size;) {
    off_t data = ::lseek(in, pos, SEEK_DATA);
    if (data < 0) {
      if (errno == ENXIO) break;  // only a hole up to the end
      if (errno != EINVAL) return err.sys("finding the data of " + where);
      data = pos;  // no SEEK_DATA here: all of it is data
    }
    if (data >= size) break;
    off_t hole = ::lseek(in, data, SEEK_HOLE);
    if (hole < 0 || hole > size) hole = size;
    ssize_t n = copy_range(in, out, data, hole - data, use_cfr, buf);
    if (n < 0) return err.sys("copying " + where);
    if (n < hole - data) break;  // the layer file is shorter than its stat said: it is what it is
    pos = hole;
  }
  // The trailing hole (and the length of an all-hole file).
  if (::ftruncate(out, size) < 0) return err.sys("setting the size of " + where);
  return 0;
}

long long IdShift::apply(const IdMap& m, unsigned long id) {
  if (m.empty()) return static_cast<long long>(id);
  for (const auto& r : m)
    if (id >= r.container_id && id - r.container_id < r.size) return static_cast<long long>(r.host_id + (id - r.container_id));
  return -1;
}

int chown_shifted(int fd, int dirfd, const char* name, const struct stat& st, const IdShift& shift,
                  const std::string& where, Error& err) {
  long long u = shift.uid(st.st_uid), g = shift.gid(st.st_gid);
  if (u < 0 || g < 0)
    return err.fail(where + " is owned by " + std::to_string(st.st_uid) + ":" + std::to_string(st.st_gid) +
                        ", which the shifted map has no place for", EOVERFLOW);
  int rc = fd >= 0 ? ::fchown(fd, static_cast<uid_t>(u), static_cast<gid_t>(g))
                   : ::fchownat(dirfd, name, static_cast<uid_t>(u), static_cast<gid_t>(g), AT_SYMLINK_NOFOLLOW);
  if (rc < 0) return err.sys("chown " + where);
  return 0;
}

int copy_xattrs(int src, int dst, bool clear_first, bool keep_overlay, const IdShift& shift,
                const std::string& where, Error& err) {
  if (clear_first) {
    std::vector<std::string> old;
    if (xattr_names(dst, old, where, err) < 0) return -1;
    for (const auto& k : old)
      if (::fremovexattr(dst, k.c_str()) < 0 && errno != ENODATA) return err.sys("removing xattr " + k + " of " + where);
  }
  std::vector<std::string> names;
  if (xattr_names(src, names, where, err) < 0) return -1;
  std::vector<char> value(256);
  for (const auto& k : names) {
    if (!keep_overlay && overlay_private(k)) continue;
    ssize_t n;
    for (;;) {
      n = ::fgetxattr(src, k.c_str(), value.data(), value.size());
      if (n >= 0 || errno != ERANGE) break;
      ssize_t need = ::fgetxattr(src, k.c_str(), nullptr, 0);
      if (need < 0) break;
      value.resize(static_cast<size_t>(need) + 1);
    }
    if (n < 0) {
      if (errno == ENODATA) continue;  // removed meanwhile
      return err.sys("reading xattr " + k + " of " + where);
    }
    size_t len = static_cast<size_t>(n);
    if (!shift.empty()) {
      bool ok = true;
      if (k == "security.capability") ok = shift_capability(value, len, shift, err);
      else if (k == "system.posix_acl_access" || k == "system.posix_acl_default") ok = shift_acl(value, len, shift, err);
      if (!ok) return err.wrap(where);
    }
    // The unpacker set these in this same namespace, so setting them again must work; a
    // refusal here is a real difference from the overlay drivers, not something to hide.
    if (::fsetxattr(dst, k.c_str(), value.data(), len, 0) < 0) return err.sys("setting xattr " + k + " on " + where);
  }
  return 0;
}

bool take_shift_args(int argc, char** argv, IdShift& shift, std::vector<char*>& rest, Error& err) {
  for (int i = 0; i < argc; i++) {
    std::string_view a = argv[i];
    if (a == "--") {
      for (; i < argc; i++) rest.push_back(argv[i]);
      break;
    }
    for (std::string_view key : {std::string_view("--shift-uids"), std::string_view("--shift-gids")}) {
      if (a.substr(0, key.size()) != key || (a.size() > key.size() && a[key.size()] != '=')) continue;
      std::string value;
      if (a.size() > key.size()) value = a.substr(key.size() + 1);
      else if (i + 1 < argc) value = argv[++i];
      else return err.fail("option " + std::string(key) + " needs a value", EINVAL), false;
      IdMap& m = key == "--shift-uids" ? shift.uids : shift.gids;
      if (!parse_id_map(value, m, err)) return err.wrap(std::string(key)), false;
      a = {};
      break;
    }
    if (!a.empty()) rest.push_back(argv[i]);
  }
  if (shift.uids.empty() != shift.gids.empty()) return err.fail("--shift-uids and --shift-gids go together", EINVAL), false;
  return true;
}

int HardlinkSet::link_or_remember(const struct stat& st, int dest_root, int ddir, const std::string& name,
                                  const std::string& rel, const std::string& where, bool& linked, Error& err) {
  linked = false;
  if (st.st_nlink <= 1) return 0;
  auto it = first_.find({st.st_dev, st.st_ino});
  if (it == first_.end()) {
    first_.emplace(std::make_pair(st.st_dev, st.st_ino), rel);
    return 0;
  }
  const std::string& first = it->second;
  size_t slash = first.rfind('/');
  std::string parent = slash == std::string::npos ? "" : first.substr(0, slash);
  std::string base = slash == std::string::npos ? first : first.substr(slash + 1);
  unique_fd pfd(open_beneath(dest_root, parent, O_PATH | O_DIRECTORY));
  if (!pfd) return err.sys("opening the copy's /" + parent);
  if (::linkat(pfd.get(), base.c_str(), ddir, name.c_str(), 0) < 0) return err.sys("linking " + where + " to /" + first);
  linked = true;
  return 0;
}

}  // namespace sandbox::unpack
