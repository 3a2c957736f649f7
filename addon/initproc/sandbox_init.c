/*
 * sandbox-init: the minimal PID 1 behind `run --init` (docker's docker-init/tini role).
 *
 *   sandbox-init -- COMMAND [ARG...]
 *
 * As PID 1 of a pid namespace, a process gets no default signal actions (SIGTERM sent to it is
 * ignored unless it installs a handler) and inherits every orphan of the container. A shell or
 * a server rarely handles either, so this forks COMMAND, forwards the signals a user or
 * `sandbox stop` sends to it, reaps every child, and exits with COMMAND's status (128+signal
 * when a signal ended it). Static and libc-only so it runs in any image, bound in read-only.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

/* Signals that stop or kill us outright, or that the kernel sends about our own children,
 * are not forwarded; everything else goes to the command. */
static int forwarded(int sig) {
  return sig != SIGCHLD && sig != SIGKILL && sig != SIGSTOP && sig != SIGTSTP && sig != SIGTTIN &&
         sig != SIGTTOU && sig != SIGSEGV && sig != SIGBUS && sig != SIGFPE && sig != SIGILL &&
         sig != SIGABRT && sig != SIGTRAP && sig != SIGSYS;
}

int main(int argc, char** argv) {
  int first = 1;
  if (argc > 1 && strcmp(argv[1], "--") == 0) first = 2;
  if (first >= argc) {
    fprintf(stderr, "sandbox-init: usage: sandbox-init -- COMMAND [ARG...]\n");
    return 2;
  }

  /* Block everything before fork: signals arriving meanwhile wait for sigwaitinfo below instead
   * of hitting default actions. The child restores the mask before execvp. */
  sigset_t all, old;
  sigfillset(&all);
  sigprocmask(SIG_SETMASK, &all, &old);

  pid_t child = fork();
  if (child < 0) {
    perror("sandbox-init: fork");
    return 125;
  }
  if (child == 0) {
    sigprocmask(SIG_SETMASK, &old, NULL);
    /* A new process group, so a terminal's ^C reaches the command's whole job as it would
     * without us; then the command itself. */
    setpgid(0, 0);
    execvp(argv[first], &argv[first]);
    int e = errno;
    fprintf(stderr, "sandbox-init: exec %s: %s\n", argv[first], strerror(e));
    _exit(e == ENOENT ? 127 : 126);
  }
  /* When not PID 1 (a nested pid namespace is not ours to assume), still adopt orphans. */
  prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0);

  int status = 0;
  for (;;) {
    siginfo_t info;
    int sig = sigwaitinfo(&all, &info);
    if (sig < 0) {
      if (errno == EINTR) continue;
      perror("sandbox-init: sigwaitinfo");
      return 125;
    }
    if (sig != SIGCHLD) {
      if (forwarded(sig)) kill(child, sig);
      continue;
    }
    /* Reap everything that has ended: the command and any orphan we inherited. */
    for (;;) {
      int st;
      pid_t p = waitpid(-1, &st, WNOHANG);
      if (p <= 0) break;
      if (p == child) {
        status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
        child = -1;
      }
    }
    if (child < 0) return status;
  }
}
