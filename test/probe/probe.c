/* sandbox-probe: a static program the security tests bind into containers (read-only) to see
 * what a process there really gets. Static so it needs nothing from the image; plain C so it
 * runs in any image, even one without a shell.
 *
 *   sandbox-probe              one JSON object: ids, groups, capability sets, NoNewPrivs,
 *                              Seccomp mode, mounts, open fds
 *   sandbox-probe try WHAT...  attempt one thing and print {"try":WHAT,"ret":N,"errno":E,"error":NAME}
 *       keyctl | unshare-user | unshare-mount | clone-newns | mount-tmpfs DIR | nr N |
 *       ptrace PID | write FILE | read FILE | create FILE | setuid0 | mknod PATH | chroot DIR
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/ptrace.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <unistd.h>

static void json_string(const char *s) {
  putchar('"');
  for (; *s; s++) {
    unsigned char c = (unsigned char)*s;
    if (c == '"' || c == '\\') printf("\\%c", c);
    else if (c < 0x20) printf("\\u%04x", c);
    else putchar(c);
  }
  putchar('"');
}

/* "Key:\tvalue" lines of /proc/self/status, read once. */
static char status_text[16384];

static const char *status_field(const char *key) {
  static char value[512];
  size_t klen = strlen(key);
  for (const char *line = status_text; line && *line;) {
    const char *end = strchr(line, '\n');
    if (strncmp(line, key, klen) == 0 && line[klen] == ':') {
      const char *v = line + klen + 1;
      while (*v == '\t' || *v == ' ') v++;
      size_t n = end ? (size_t)(end - v) : strlen(v);
      if (n >= sizeof value) n = sizeof value - 1;
      memcpy(value, v, n);
      value[n] = 0;
      return value;
    }
    line = end ? end + 1 : NULL;
  }
  return "";
}

static void read_status(void) {
  int fd = open("/proc/self/status", O_RDONLY | O_CLOEXEC);
  if (fd < 0) return;
  ssize_t n = read(fd, status_text, sizeof status_text - 1);
  status_text[n > 0 ? n : 0] = 0;
  close(fd);
}

/* "1000\t1000\t1000\t1000" -> [1000,1000,1000,1000] */
static void json_numbers(const char *s) {
  putchar('[');
  int first = 1;
  while (*s) {
    while (*s == ' ' || *s == '\t') s++;
    if (!*s) break;
    char *end;
    long v = strtol(s, &end, 10);
    if (end == s) break;
    printf("%s%ld", first ? "" : ",", v);
    first = 0;
    s = end;
  }
  putchar(']');
}

static void report(void) {
  /* Before anything else is opened: the fds are the ones we were started with. */
  int fds[256], nfds = 0;
  DIR *d = opendir("/proc/self/fd");
  int own = d ? dirfd(d) : -1;
  struct dirent *e;
  while (d && (e = readdir(d)) && nfds < 256) {
    if (e->d_name[0] == '.') continue;
    int fd = atoi(e->d_name);
    if (fd != own) fds[nfds++] = fd;
  }
  if (d) closedir(d);
  read_status();

  printf("{\"uid\":");
  json_numbers(status_field("Uid"));
  printf(",\"gid\":");
  json_numbers(status_field("Gid"));
  printf(",\"groups\":");
  json_numbers(status_field("Groups"));
  static const char *caps[] = {"CapInh", "CapPrm", "CapEff", "CapBnd", "CapAmb"};
  printf(",\"capabilities\":{");
  for (int i = 0; i < 5; i++) {
    printf("%s\"%s\":", i ? "," : "", caps[i]);
    json_string(status_field(caps[i]));
  }
  printf("},\"noNewPrivs\":%s", status_field("NoNewPrivs"));
  printf(",\"seccomp\":%s", status_field("Seccomp"));
  printf(",\"fds\":[");
  for (int i = 0; i < nfds; i++) printf("%s%d", i ? "," : "", fds[i]);
  printf("],\"mounts\":[");
  /* mountinfo: id parent major:minor root mountpoint options ... - fstype source superopts */
  FILE *m = fopen("/proc/self/mountinfo", "re");
  char line[4096];
  int first = 1;
  while (m && fgets(line, sizeof line, m)) {
    char root[1024], point[1024], opts[512], fstype[128];
    if (sscanf(line, "%*d %*d %*s %1023s %1023s %511s", root, point, opts) != 3) continue;
    const char *dash = strstr(line, " - ");
    if (!dash || sscanf(dash + 3, "%127s", fstype) != 1) continue;
    printf("%s{\"target\":", first ? "" : ",");
    json_string(point);
    printf(",\"type\":");
    json_string(fstype);
    printf(",\"options\":");
    json_string(opts);
    printf("}");
    first = 0;
  }
  if (m) fclose(m);
  printf("]}\n");
}

static int try_one(int argc, char **argv) {
  const char *what = argv[0];
  const char *arg = argc > 1 ? argv[1] : "";
  long ret = -1;
  errno = 0;
  if (!strcmp(what, "keyctl")) {
    ret = syscall(SYS_keyctl, 0 /* KEYCTL_GET_KEYRING_ID */, -3 /* session keyring */, 0);
  } else if (!strcmp(what, "unshare-user")) {
    ret = unshare(CLONE_NEWUSER);
  } else if (!strcmp(what, "unshare-mount")) {
    ret = unshare(CLONE_NEWNS);
  } else if (!strcmp(what, "clone-newns")) {
    ret = syscall(SYS_clone, CLONE_NEWNS | SIGCHLD, 0, 0, 0, 0);
    if (ret == 0) _exit(0);
    if (ret > 0) waitpid((pid_t)ret, NULL, 0), ret = 0;
  } else if (!strcmp(what, "mount-tmpfs")) {
    ret = mount("probe", arg, "tmpfs", 0, NULL);
  } else if (!strcmp(what, "nr")) {
    ret = syscall(atol(arg), 0, 0, 0, 0, 0, 0);
  } else if (!strcmp(what, "ptrace")) {
    ret = ptrace(PTRACE_ATTACH, atoi(arg), 0, 0);
  } else if (!strcmp(what, "write")) {
    int fd = open(arg, O_WRONLY | O_CLOEXEC);
    ret = fd < 0 ? -1 : write(fd, "probe\n", 6);
  } else if (!strcmp(what, "read")) {
    char buf[64];
    int fd = open(arg, O_RDONLY | O_CLOEXEC);
    ret = fd < 0 ? -1 : read(fd, buf, sizeof buf);
  } else if (!strcmp(what, "create")) {
    int fd = open(arg, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
    ret = fd < 0 ? -1 : write(fd, "probe\n", 6);
  } else if (!strcmp(what, "setuid0")) {
    ret = setuid(0);
  } else if (!strcmp(what, "mknod")) {
    ret = mknod(arg, S_IFCHR | 0600, makedev(1, 3));
  } else if (!strcmp(what, "chroot")) {
    ret = chroot(arg);
  } else {
    fprintf(stderr, "sandbox-probe: unknown try '%s'\n", what);
    return 2;
  }
  int e = ret < 0 ? errno : 0;
  printf("{\"try\":");
  json_string(what);
  printf(",\"ret\":%ld,\"errno\":%d,\"error\":", ret < 0 ? -1L : ret, e);
  json_string(e ? strerrorname_np(e) ? strerrorname_np(e) : "?" : "");
  printf(",\"euid\":%d}\n", (int)geteuid());
  return 0;
}

int main(int argc, char **argv) {
  if (argc >= 3 && !strcmp(argv[1], "try")) return try_one(argc - 2, argv + 2);
  if (argc == 1) {
    report();
    return 0;
  }
  fprintf(stderr, "usage: sandbox-probe [try WHAT [ARG]]\n");
  return 2;
}
