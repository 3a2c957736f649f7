// --userns=keep-id without the FUSE overlay (docs/storage.md, "keep-id"): a copy of one
// unpacked layer, made once per layer and id map, whose owners are what the container's map
// needs to show the image's own owners. It stays a layer: whiteouts and opaque marks are copied
// as they are, so the kernel overlay (or a vfs copy) applies them over the copies.
#pragma once

// sandbox-monitor shift-copy --uidmap MAP --gidmap MAP --shift-uids S --shift-gids S DEST SRC
// DEST must not exist (its parent must); it is made and left whole or the mode fails.
int shift_copy_main(int argc, char** argv);
