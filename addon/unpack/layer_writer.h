// Creating tar entries inside a layer directory, as root of the user namespace: the kinds
// (files, directories, symlinks, hardlinks, FIFOs, whiteouts in overlay's on-disk form),
// owners, modes, xattrs and times. The final component of every entry is created with *at()
// calls that never follow a symlink; an existing entry there is replaced (last one wins).
#pragma once
#include <time.h>

#include <string>
#include <unordered_set>
#include <utility>
#include <vector>

#include "sandbox/error.h"
#include "sandbox/idmap.h"
#include "unpack/layer_root.h"
#include "unpack/tar_entry.h"
#include "unpack/tar_reader.h"

namespace sandbox::unpack {

class LayerWriter {
 public:
  LayerWriter(LayerRoot& root, IdMap uids, IdMap gids) : root_(root), uids_(std::move(uids)), gids_(std::move(gids)) {}

  // Creates one entry; a regular file's data is pulled from `reader`.
  int apply(const tar::Entry& e, tar::Reader& reader, Error& err);

  // Sets directory times, deferred until nothing more is created inside them.
  int finish(Error& err);

  long entries() const { return entries_; }
  // Entries left out on purpose, with the reason (bounded; the last item counts the rest).
  std::vector<std::pair<std::string, std::string>> skipped() const;

 private:
  struct DirTime {
    std::string name;
    timespec times[2];
  };

  int regular(const tar::Entry& e, int dirfd, const std::string& name, const std::string& base,
              tar::Reader& reader, Error& err);
  int directory(const tar::Entry& e, int dirfd, const std::string& name, const std::string& base, Error& err);
  int symlink(const tar::Entry& e, int dirfd, const std::string& name, const std::string& base, Error& err);
  // Returns 1 when the link is skipped (its target was a skipped device node).
  int hardlink(const tar::Entry& e, int dirfd, const std::string& parent, const std::string& name,
               const std::string& base, Error& err);
  int fifo(const tar::Entry& e, int dirfd, const std::string& name, const std::string& base, Error& err);
  int whiteout(const tar::Entry& e, const std::string& parent, const std::string& name,
               const std::string& base, Error& err);
  int root_entry(const tar::Entry& e, Error& err);

  // Frees the name `base` (the entry `name`) in `dirfd` for a new entry. Returns 1 when an
  // existing directory may stay (keep_dir and it is one), 0 when the name is free, -1 on error.
  int make_room(int dirfd, const std::string& name, const std::string& base, bool keep_dir, Error& err);
  int set_owner(int fd, const std::string& name, const tar::Entry& e, Error& err);
  int set_owner_at(int dirfd, const std::string& base, const std::string& name, const tar::Entry& e, Error& err);
  int set_xattrs(int fd, const std::string& name, const tar::Entry& e, Error& err);
  int write_data(int fd, const tar::Entry& e, const std::string& name, tar::Reader& reader, Error& err);
  void skip(const std::string& name, std::string reason);
  static void entry_times(const tar::Entry& e, timespec out[2]);

  LayerRoot& root_;
  IdMap uids_, gids_;
  long entries_ = 0;
  std::vector<std::pair<std::string, std::string>> skipped_;
  long skipped_over_ = 0;  // skipped entries beyond the list's bound
  std::unordered_set<std::string> skipped_devices_;  // so hardlinks to them are skipped too
  std::vector<DirTime> dir_times_;
};

}  // namespace sandbox::unpack
