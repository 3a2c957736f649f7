#!/bin/sh
# Runs INSIDE the container (or on the host as the baseline): fs-inner.sh DIR MB NFILES [CLOCK]
# Prints: write_MBps read_MBps create_ops stat_ops delete_ops
# The POSIX-sh twin of ../shared/baseline/fs-inner.sh (which needs bash): busybox's ash runs
# printf and [ as builtins, so no fork per file. Metadata phase first, then the 1 GiB write
# (dd conv=fsync) and the warm read, as there.
# CLOCK: bench/fs/clock.c built static (nanoseconds); without it /proc/uptime's centiseconds.
set -e
d=$1; mb=$2; n=$3; clock=${4:-}
if [ -n "$clock" ] && [ -x "$clock" ]; then
  now() { "$clock"; }
else
  now() { read -r up _ < /proc/uptime; echo "${up%.*}${up#*.}0000000"; }
fi
mkdir -p "$d"; cd "$d"; rm -rf f m; sync
mkdir m; cd m
t3=$(now); i=0; while [ $i -lt "$n" ]; do printf '%064d\n' "$i" > "f$i"; i=$((i+1)); done; t4=$(now)
i=0; while [ $i -lt "$n" ]; do [ -e "f$i" ]; i=$((i+1)); done; t5=$(now)
cd ..; rm -rf m; t6=$(now)
sync
t0=$(now); dd if=/dev/zero of=f bs=1M count="$mb" conv=fsync 2>/dev/null; t1=$(now)
dd if=f of=/dev/null bs=1M 2>/dev/null; t2=$(now)
rm -f f
awk -v mb="$mb" -v n="$n" -v t0="$t0" -v t1="$t1" -v t2="$t2" -v t3="$t3" -v t4="$t4" -v t5="$t5" -v t6="$t6" \
 'BEGIN{printf "%.1f %.1f %.0f %.0f %.0f\n", mb/((t1-t0)/1e9), mb/((t2-t1)/1e9), n/((t4-t3)/1e9), n/((t5-t4)/1e9), n/((t6-t5)/1e9)}'
