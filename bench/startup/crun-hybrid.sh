#!/bin/sh
# crun 1.8 refuses a "hybrid" cgroup layout (a cgroup2 mount with controllers at
# /sys/fs/cgroup/unified, as on this host). podman runs its runtime inside its own user
# namespace, where a private mount namespace may hide that mount: crun then sees plain v1.
exec unshare -m sh -c 'mount -t tmpfs -o size=4k,mode=0555 none /sys/fs/cgroup/unified 2>/dev/null; exec crun "$@"' crun "$@"
