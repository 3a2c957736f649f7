/* sandbox-tcp-probe: the network tests' in-container TCP client (static, plain C, like
 * sandbox-probe). It connects the way a program that must not block does, or the plain
 * blocking way, and prints what such a program would see of its socket:
 *
 *   sandbox-tcp-probe nonblock|block ADDRESS PORT [REQUEST]
 *   sandbox-tcp-probe reuse ADDRESS PORT ADDRESS2 PORT2
 *   sandbox-tcp-probe odd ADDRESS PORT
 *
 *   connect=0|EINPROGRESS|ECONNREFUSED...   what connect(2) returned
 *   so_error=0|ECONNREFUSED...               SO_ERROR once poll(2) said writable (nonblock)
 *   nonblock=0|1 cloexec=1                   the fd's flags after the connect (created with
 *                                            SOCK_CLOEXEC, and SOCK_NONBLOCK for nonblock)
 *   fd=N                                     the fd number (unchanged by the connect)
 * then sends REQUEST (\r\n written as is) and copies the reply to stdout until EOF.
 * Exit 0 once connected, 1 if the connect failed.
 *
 * reuse: a non-blocking connect to ADDRESS:PORT that is expected to fail, then the same socket
 * connected again to ADDRESS2:PORT2 (connect2=, so_error2=), then listen(2) on it (listen=):
 * what a program could do with a socket whose first connection failed.
 *
 * odd: connects the kernel refuses or that are not TCP (a bad address pointer, a too long or
 * too short address, an fd that is no socket or not open, a UDP socket, a unix socket), one
 * line each: name=ERRNO (0 when it worked).
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

static const char *name(int e) { return e ? (strerrorname_np(e) ? strerrorname_np(e) : "?") : "0"; }

static socklen_t parse_address(const char *text, const char *port, struct sockaddr_storage *ss) {
  memset(ss, 0, sizeof *ss);
  struct sockaddr_in *in = (struct sockaddr_in *)ss;
  struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)ss;
  if (inet_pton(AF_INET, text, &in->sin_addr) == 1) {
    in->sin_family = AF_INET;
    in->sin_port = htons((unsigned short)atoi(port));
    return sizeof *in;
  }
  if (inet_pton(AF_INET6, text, &in6->sin6_addr) == 1) {
    in6->sin6_family = AF_INET6;
    in6->sin6_port = htons((unsigned short)atoi(port));
    return sizeof *in6;
  }
  fprintf(stderr, "sandbox-tcp-probe: not an address: %s\n", text);
  exit(2);
}

/* connect; on EINPROGRESS wait and print SO_ERROR under `so_label`. The final errno. */
static int connect_and_wait(int fd, const struct sockaddr_storage *ss, socklen_t len, const char *label, const char *so_label) {
  int rc = connect(fd, (const struct sockaddr *)ss, len);
  int e = rc < 0 ? errno : 0;
  printf("%s=%s\n", label, name(e));
  if (e == EINPROGRESS) {
    struct pollfd p = {fd, POLLOUT, 0};
    poll(&p, 1, 30000);
    socklen_t elen = sizeof e;
    getsockopt(fd, SOL_SOCKET, SO_ERROR, &e, &elen);
    printf("%s=%s\n", so_label, name(e));
  }
  return e;
}

static int reuse(char **argv) {
  struct sockaddr_storage first, second;
  socklen_t len1 = parse_address(argv[2], argv[3], &first), len2 = parse_address(argv[4], argv[5], &second);
  int fd = socket(first.ss_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (fd < 0) return perror("socket"), 2;
  connect_and_wait(fd, &first, len1, "connect", "so_error");
  connect_and_wait(fd, &second, len2, "connect2", "so_error2");
  printf("listen=%s\n", name(listen(fd, 1) < 0 ? errno : 0));
  return 0;
}

static void odd_one(const char *what, int fd, const void *addr, socklen_t len) {
  printf("%s=%s\n", what, name(connect(fd, (const struct sockaddr *)addr, len) < 0 ? errno : 0));
}

static int odd(char **argv) {
  struct sockaddr_storage ss;
  socklen_t len = parse_address(argv[2], argv[3], &ss);
  int tcp = socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
  odd_one("null-address", tcp, NULL, len);
  odd_one("bad-pointer", tcp, (const void *)16, len);
  odd_one("too-long", tcp, &ss, 4096);
  odd_one("too-short", tcp, &ss, 4);
  odd_one("not-a-socket", 0, &ss, len);
  odd_one("not-open", 999, &ss, len);
  int udp = socket(ss.ss_family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  odd_one("udp", udp, &ss, len);
  struct sockaddr_un un = {.sun_family = AF_UNIX, .sun_path = "/nonexistent.sock"};
  int ux = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  odd_one("unix", ux, &un, sizeof un);
  return 0;
}

int main(int argc, char **argv) {
  if (argc == 6 && !strcmp(argv[1], "reuse")) return reuse(argv);
  if (argc == 4 && !strcmp(argv[1], "odd")) return odd(argv);
  if (argc < 4 || (strcmp(argv[1], "nonblock") && strcmp(argv[1], "block"))) {
    fprintf(stderr, "usage: sandbox-tcp-probe nonblock|block ADDRESS PORT [REQUEST]\n"
                    "       sandbox-tcp-probe reuse ADDRESS PORT ADDRESS2 PORT2\n"
                    "       sandbox-tcp-probe odd ADDRESS PORT\n");
    return 2;
  }
  int nonblock = !strcmp(argv[1], "nonblock");
  struct sockaddr_storage ss;
  socklen_t len = parse_address(argv[2], argv[3], &ss);
  int fd = socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC | (nonblock ? SOCK_NONBLOCK : 0), 0);
  if (fd < 0) return perror("socket"), 2;
  int e = connect_and_wait(fd, &ss, len, "connect", "so_error");
  printf("nonblock=%d cloexec=%d\n", (fcntl(fd, F_GETFL) & O_NONBLOCK) != 0, (fcntl(fd, F_GETFD) & FD_CLOEXEC) != 0);
  printf("fd=%d\n", fd);
  fflush(stdout);
  if (e) return 1;
  if (nonblock) fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK);
  if (argc > 4 && write(fd, argv[4], strlen(argv[4])) < 0) return perror("write"), 1;
  char buf[65536];
  ssize_t n;
  while ((n = read(fd, buf, sizeof buf)) > 0)
    if (write(1, buf, (size_t)n) != n) return 1;
  return 0;
}
