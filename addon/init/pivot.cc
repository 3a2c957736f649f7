#include "init/pivot.h"

#include <sys/mount.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "init/mounts.h"

namespace sandbox {

int pivot_into(const std::string& root, Error& err) {
  if (::chdir(root.c_str()) < 0) return err.sys("chdir " + root);
  // pivot_root(".", ".") stacks the old root on top of the new one at "/", which spares us a
  // put_old directory inside the image (that would show up in the container and could be a
  // symlink the image controls).
  if (::syscall(SYS_pivot_root, ".", ".") < 0) return err.sys("pivot_root to " + root);
  // The old root is now the top mount at "."; it is a slave of the host (made rslave first),
  // so detaching it here can't propagate an unmount back to the host.
  if (::umount2(".", MNT_DETACH) < 0) return err.sys("detach the old root");
  if (::chdir("/") < 0) return err.sys("chdir / in the new root");
  return 0;
}

int remount_root_readonly(Error& err) {
  if (remount_bind("/", MS_RDONLY, false, err) < 0) return err.wrap("make / read-only");
  return 0;
}

}  // namespace sandbox
