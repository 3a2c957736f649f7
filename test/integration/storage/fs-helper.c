/* The conformance suite's in-container helper for what busybox can't do: xattrs, mmap,
 * fsync, renameat2 flags, O_TMPFILE, locks, parallel writers, running as another user. Built static by the suite (so
 * it runs in any image) and bind-mounted read-only. Each command prints one result line:
 * what a user would see, or the errno's name. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <grp.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <sys/xattr.h>
#include <unistd.h>

static const char *ename(int e) {
  switch (e) {
    case 0: return "ok";
    case ENOENT: return "ENOENT";
    case EEXIST: return "EEXIST";
    case ENODATA: return "ENODATA";
    case EOPNOTSUPP: return "EOPNOTSUPP";
    case EISDIR: return "EISDIR";
    case EXDEV: return "EXDEV";
    case EAGAIN: return "EAGAIN";
    case EPERM: return "EPERM";
    case EINVAL: return "EINVAL";
    default: return strerror(e);
  }
}
#define R(x) ((x) < 0 ? errno : 0)

static int cmd_xattr(const char *f) {
  char v[64] = {0};
  int e = R(setxattr(f, "user.test", "v1", 2, 0));
  printf("set %s\n", ename(e));
  ssize_t n = getxattr(f, "user.test", v, sizeof v - 1);
  printf("get %s\n", n < 0 ? ename(errno) : v);
  char list[1024];
  n = listxattr(f, list, sizeof list);
  printf("list");
  for (ssize_t i = 0; n > 0 && i < n; i += (ssize_t)strlen(list + i) + 1)
    if (strncmp(list + i, "user.", 5) == 0) printf(" %s", list + i);
  printf("\n");
  printf("remove %s\n", ename(R(removexattr(f, "user.test"))));
  n = getxattr(f, "user.test", v, sizeof v);
  printf("get-after %s\n", n < 0 ? ename(errno) : "present");
  return 0;
}

static int cmd_mmap(const char *f) {
  int fd = open(f, O_RDWR);
  if (fd < 0) return printf("open %s\n", ename(errno)), 1;
  char *p = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  if (p == MAP_FAILED) return printf("mmap %s\n", ename(errno)), 1;
  memcpy(p, "MAPPED", 6);
  /* Visible through read() on another fd before any msync: one page cache. */
  int fd2 = open(f, O_RDONLY);
  char buf[7] = {0};
  if (pread(fd2, buf, 6, 0) != 6) return printf("pread %s\n", ename(errno)), 1;
  printf("before-msync %s\n", buf);
  printf("msync %s\n", ename(R(msync(p, 4096, MS_SYNC))));
  munmap(p, 4096);
  close(fd);
  close(fd2);
  return 0;
}

static int cmd_fsync(const char *f) {
  int fd = open(f, O_WRONLY | O_CREAT | O_TRUNC, 0644);
  if (fd < 0) return printf("open %s\n", ename(errno)), 1;
  if (write(fd, "durable\n", 8) != 8) return printf("write %s\n", ename(errno)), 1;
  printf("fsync %s\n", ename(R(fsync(fd))));
  printf("fdatasync %s\n", ename(R(fdatasync(fd))));
  close(fd);
  int d = open(f, O_RDONLY);
  printf("syncfs %s\n", ename(R(syncfs(d))));
  close(d);
  return 0;
}

static int cmd_rename(const char *how, const char *a, const char *b) {
  unsigned flags = strcmp(how, "exchange") == 0 ? RENAME_EXCHANGE : RENAME_NOREPLACE;
  printf("%s %s\n", how, ename(R(renameat2(AT_FDCWD, a, AT_FDCWD, b, flags))));
  return 0;
}

static int cmd_tmpfile(const char *dir, const char *name, int excl) {
  int fd = open(dir, O_TMPFILE | O_RDWR | (excl ? O_EXCL : 0), 0600);
  if (fd < 0) return printf("tmpfile %s\n", ename(errno)), 0;
  if (write(fd, "anon\n", 5) != 5) return printf("write %s\n", ename(errno)), 1;
  char path[64];
  snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
  printf("tmpfile ok\nlink %s\n", ename(R(linkat(AT_FDCWD, path, AT_FDCWD, name, AT_SYMLINK_FOLLOW))));
  return 0;
}

static int cmd_lock(const char *f) {
  int fd = open(f, O_RDWR | O_CREAT, 0644);
  printf("flock %s\n", ename(R(flock(fd, LOCK_EX | LOCK_NB))));
  struct flock fl = {.l_type = F_WRLCK, .l_whence = SEEK_SET, .l_start = 0, .l_len = 0};
  printf("setlk %s\n", ename(R(fcntl(fd, F_SETLK, &fl))));
  pid_t pid = fork();
  if (pid == 0) {
    int fd2 = open(f, O_RDWR);
    printf("other-flock %s\n", ename(R(flock(fd2, LOCK_EX | LOCK_NB))));
    printf("other-setlk %s\n", ename(R(fcntl(fd2, F_SETLK, &fl))));
    fflush(stdout);
    _exit(0);
  }
  waitpid(pid, NULL, 0);
  return 0;
}

struct job { int fd; int idx; };
enum { kChunk = 1 << 20, kWriters = 4 };
static void *writer(void *arg) {
  struct job *j = arg;
  char *buf = malloc(kChunk);
  memset(buf, 'a' + j->idx, kChunk);
  for (int rep = 0; rep < 8; rep++)
    if (pwrite(j->fd, buf, kChunk, (off_t)(rep * kWriters + j->idx) * kChunk) != kChunk) abort();
  free(buf);
  return NULL;
}
static int cmd_writers(const char *f) {
  int fd = open(f, O_RDWR | O_CREAT | O_TRUNC, 0644);
  pthread_t t[kWriters];
  struct job jobs[kWriters];
  for (int i = 0; i < kWriters; i++) {
    jobs[i] = (struct job){fd, i};
    pthread_create(&t[i], NULL, writer, &jobs[i]);
  }
  for (int i = 0; i < kWriters; i++) pthread_join(t[i], NULL);
  int bad = 0;
  char *buf = malloc(kChunk);
  for (int c = 0; c < 8 * kWriters; c++) {
    if (pread(fd, buf, kChunk, (off_t)c * kChunk) != kChunk) bad++;
    for (int k = 0; k < kChunk; k += 4096) bad += buf[k] != 'a' + c % kWriters;
  }
  struct stat st;
  fstat(fd, &st);
  printf("size %lld bad %d\n", (long long)st.st_size, bad);
  return 0;
}

static int cmd_getx(const char *f, const char *name) {
  char v[256] = {0};
  ssize_t n = lgetxattr(f, name, v, sizeof v - 1);
  printf("%s\n", n < 0 ? ename(errno) : v);
  return 0;
}

/* Run a shell command as an unprivileged user (no capabilities, so no CAP_FSETID): what the
 * kernel does to set-id bits on that user's writes is then visible. */
static int cmd_as(const char *uid, const char *script) {
  gid_t g = (gid_t)atoi(uid);
  if (setgroups(0, NULL) < 0 || setgid(g) < 0 || setuid((uid_t)atoi(uid)) < 0)
    return printf("as %s\n", ename(errno)), 1;
  execl("/bin/sh", "sh", "-c", script, (char *)NULL);
  return printf("exec %s\n", ename(errno)), 1;
}

/* syncfs(2) through an fd opened before SCRIPT runs: what SCRIPT left as a writeback error of
 * the filesystem is reported there (errseq), as it would be to a long-running program. */
static int cmd_syncfs_around(const char *file, const char *script) {
  int fd = open(file, O_RDONLY);
  if (fd < 0) return printf("open %s\n", ename(errno)), 1;
  if (system(script) != 0) printf("script failed\n");
  printf("syncfs %s\n", ename(R(syncfs(fd))));
  return 0;
}

int main(int argc, char **argv) {
  setvbuf(stdout, NULL, _IOLBF, 0);
  if (argc == 4 && !strcmp(argv[1], "as")) return cmd_as(argv[2], argv[3]);
  if (argc == 4 && !strcmp(argv[1], "syncfs-around")) return cmd_syncfs_around(argv[2], argv[3]);
  if (argc == 3 && !strcmp(argv[1], "xattr")) return cmd_xattr(argv[2]);
  if (argc == 3 && !strcmp(argv[1], "mmap")) return cmd_mmap(argv[2]);
  if (argc == 3 && !strcmp(argv[1], "fsync")) return cmd_fsync(argv[2]);
  if (argc == 4 && (!strcmp(argv[1], "exchange") || !strcmp(argv[1], "noreplace"))) return cmd_rename(argv[1], argv[2], argv[3]);
  if (argc == 4 && !strcmp(argv[1], "tmpfile")) return cmd_tmpfile(argv[2], argv[3], 0);
  if (argc == 4 && !strcmp(argv[1], "tmpfile-excl")) return cmd_tmpfile(argv[2], argv[3], 1);
  if (argc == 3 && !strcmp(argv[1], "lock")) return cmd_lock(argv[2]);
  if (argc == 3 && !strcmp(argv[1], "writers")) return cmd_writers(argv[2]);
  if (argc == 4 && !strcmp(argv[1], "getx")) return cmd_getx(argv[2], argv[3]);
  fprintf(stderr, "usage: fs-helper xattr|mmap|fsync|lock|writers FILE | exchange|noreplace A B | tmpfile[-excl] DIR NAME | getx FILE NAME | as UID SCRIPT | syncfs-around FILE SCRIPT\n");
  return 2;
}
