/* bench/fs: CLOCK_MONOTONIC in nanoseconds, for fs-inner.sh's phase times. busybox's date has
 * no %N and /proc/uptime counts in 10 ms steps, which made the 20k-file stat phase (tens of
 * milliseconds on the host) a handful of ticks. Built static by bench-fs.sh so it runs in any
 * image; the same clock on the host and in every container. */
#include <stdio.h>
#include <time.h>

int main(void) {
  struct timespec ts;
  if (clock_gettime(CLOCK_MONOTONIC, &ts) != 0) return 1;
  printf("%lld%09ld\n", (long long)ts.tv_sec, ts.tv_nsec);
  return 0;
}
