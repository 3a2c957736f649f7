// The vfs storage driver's rootfs: a full copy of an image's layers, applied bottom first into
// the container's own directory (docs/storage.md). Built once, when the container is created,
// by `sandbox-monitor vfs-copy` inside a user namespace with the layers' own id maps, so every
// owner, mode (setuid included), xattr, time and hardlink is kept; the init then bind-mounts
// the copy as the container's root.
#pragma once

// sandbox-monitor vfs-copy --uidmap MAP --gidmap MAP DEST LAYER...   (layers bottom first)
int vfs_copy_main(int argc, char** argv);
