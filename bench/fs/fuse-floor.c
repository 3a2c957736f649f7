/* bench/fs: the floor of a FUSE stat on this machine (issue 9). A libfuse3 low-level server that
 * keeps every file in memory and answers GETATTR from there, with the writeback cache on as our
 * overlay has it: what fs-inner.sh's stat phase costs when the server does no work at all, so
 * the rest is the kernel's round trip (see docs/storage.md, "What a stat's round trip costs").
 * Built and mounted by fuse-floor.sh:  fuse-floor MOUNTPOINT st|mt  (one thread or libfuse's
 * multi-threaded loop with 4 workers kept waiting, as our server had). Not a filesystem: no
 * directories, no data kept. */
#define _GNU_SOURCE
#define FUSE_USE_VERSION 312
#include <errno.h>
#include <fuse_lowlevel.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_FILES 200000
#define TABLE 524288 /* open-addressing name table, a power of two above MAX_FILES */
static struct stat attrs[MAX_FILES];
static char *names[MAX_FILES];
static int table[TABLE];
static int nfiles = 2; /* 1 is the root */
static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static const double forever = 86400.0;

static unsigned hash(const char *s) {
  unsigned h = 2166136261u;
  while (*s) h = (h ^ (unsigned char)*s++) * 16777619u;
  return h;
}
static int find(const char *name) {
  for (unsigned h = hash(name) & (TABLE - 1);; h = (h + 1) & (TABLE - 1)) {
    int i = table[h];
    if (!i) return -1;
    if (names[i] && strcmp(names[i], name) == 0) return i;
  }
}
static void reply_entry(fuse_req_t req, int i) {
  struct fuse_entry_param e;
  memset(&e, 0, sizeof e);
  e.ino = (fuse_ino_t)i;
  if (i > 0) e.attr = attrs[i];
  e.attr_timeout = e.entry_timeout = forever;
  fuse_reply_entry(req, &e);
}

static void op_init(void *u, struct fuse_conn_info *c) {
  (void)u;
  c->want |= c->capable & FUSE_CAP_WRITEBACK_CACHE;
}
static void op_lookup(fuse_req_t req, fuse_ino_t parent, const char *name) {
  (void)parent;
  pthread_mutex_lock(&mu);
  int i = find(name);
  pthread_mutex_unlock(&mu);
  reply_entry(req, i < 0 ? 0 : i); /* ino 0: a negative entry */
}
static void op_getattr(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi) {
  (void)fi;
  pthread_mutex_lock(&mu);
  struct stat st = attrs[ino];
  pthread_mutex_unlock(&mu);
  fuse_reply_attr(req, &st, forever);
}
static void op_setattr(fuse_req_t req, fuse_ino_t ino, struct stat *a, int set, struct fuse_file_info *fi) {
  (void)fi;
  pthread_mutex_lock(&mu);
  if (set & FUSE_SET_ATTR_SIZE) attrs[ino].st_size = a->st_size;
  if (set & FUSE_SET_ATTR_MODE) attrs[ino].st_mode = (attrs[ino].st_mode & S_IFMT) | (a->st_mode & 07777);
  struct stat st = attrs[ino];
  pthread_mutex_unlock(&mu);
  fuse_reply_attr(req, &st, forever);
}
static void op_create(fuse_req_t req, fuse_ino_t parent, const char *name, mode_t mode, struct fuse_file_info *fi) {
  (void)parent;
  pthread_mutex_lock(&mu);
  if (nfiles == MAX_FILES) {
    pthread_mutex_unlock(&mu);
    fuse_reply_err(req, ENOSPC);
    return;
  }
  int i = nfiles++;
  names[i] = strdup(name);
  for (unsigned h = hash(name) & (TABLE - 1);; h = (h + 1) & (TABLE - 1))
    if (!table[h]) {
      table[h] = i;
      break;
    }
  attrs[i].st_ino = (ino_t)i;
  attrs[i].st_mode = S_IFREG | (mode & 07777);
  attrs[i].st_nlink = 1;
  struct fuse_entry_param e;
  memset(&e, 0, sizeof e);
  e.ino = (fuse_ino_t)i;
  e.attr = attrs[i];
  pthread_mutex_unlock(&mu);
  e.attr_timeout = e.entry_timeout = forever;
  fi->keep_cache = 1;
  fuse_reply_create(req, &e, fi);
}
static void op_open(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi) {
  (void)ino;
  fi->keep_cache = 1;
  fuse_reply_open(req, fi);
}
static void op_write(fuse_req_t req, fuse_ino_t ino, const char *b, size_t size, off_t off, struct fuse_file_info *fi) {
  (void)b, (void)fi;
  pthread_mutex_lock(&mu);
  if (off + (off_t)size > attrs[ino].st_size) attrs[ino].st_size = off + (off_t)size;
  attrs[ino].st_blocks = (attrs[ino].st_size + 511) / 512;
  pthread_mutex_unlock(&mu);
  fuse_reply_write(req, size);
}
static void op_release(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi) {
  (void)ino, (void)fi;
  fuse_reply_err(req, 0);
}
static void op_forget(fuse_req_t req, fuse_ino_t ino, uint64_t n) {
  (void)ino, (void)n;
  fuse_reply_none(req);
}

int main(int argc, char **argv) {
  if (argc != 3 || (strcmp(argv[2], "st") != 0 && strcmp(argv[2], "mt") != 0)) {
    fprintf(stderr, "usage: fuse-floor MOUNTPOINT st|mt\n");
    return 2;
  }
  attrs[1].st_ino = 1;
  attrs[1].st_mode = S_IFDIR | 0777;
  attrs[1].st_nlink = 2;
  struct fuse_lowlevel_ops ops;
  memset(&ops, 0, sizeof ops);
  ops.init = op_init;
  ops.lookup = op_lookup;
  ops.getattr = op_getattr;
  ops.setattr = op_setattr;
  ops.create = op_create;
  ops.open = op_open;
  ops.write = op_write;
  ops.release = op_release;
  ops.forget = op_forget;
  char *args_v[] = {argv[0], NULL};
  struct fuse_args args = FUSE_ARGS_INIT(1, args_v);
  struct fuse_session *se = fuse_session_new(&args, &ops, sizeof ops, NULL);
  if (!se || fuse_session_mount(se, argv[1]) != 0) {
    fprintf(stderr, "fuse-floor: can't mount %s\n", argv[1]);
    return 1;
  }
  if (strcmp(argv[2], "st") == 0) {
    fuse_session_loop(se);
  } else {
    struct fuse_loop_config *loop = fuse_loop_cfg_create();
    fuse_loop_cfg_set_max_threads(loop, 4);
    fuse_loop_cfg_set_idle_threads(loop, 4);
    fuse_session_loop_mt(se, loop);
    fuse_loop_cfg_destroy(loop);
  }
  fuse_session_unmount(se);
  fuse_session_destroy(se);
  return 0;
}
