// The conformance cases (see conformance.test.ts): a script, the output under the kernel
// overlay, and each written-down difference with its reason.
export type Driver = 'overlay' | 'fuse-overlay' | 'fuse-overlayfs' | 'vfs';

export interface FsCase {
  name: string;
  script: string;
  /** stdout under the kernel overlay: every driver must print the same unless `differs` says why */
  expect: string;
  differs?: Partial<Record<Driver, { stdout: string; reason: string }>>;
}

export const CASES: FsCase[] = [
  {
    name: "create and write a new file",
    script: "echo hello > /tmp/a; cat /tmp/a; wc -c < /tmp/a",
    expect: "hello\n6\n",
  },
  {
    name: "append to a lower file copies it up with its owner and mode",
    script: "stat -c '%a %u %g' /home/owned-by-1000; echo y >> /home/owned-by-1000; stat -c '%a %u %g' /home/owned-by-1000; tail -n1 /home/owned-by-1000",
    expect: "644 1000 1000\n644 1000 1000\ny\n",
  },
  {
    name: "the inode number survives a copy-up",
    script: "a=$(stat -c %i /etc/passwd); echo x >> /etc/passwd; b=$(stat -c %i /etc/passwd); [ \"$a\" = \"$b\" ] && echo same-ino",
    expect: "same-ino\n",
  },
  {
    name: "truncate a new file and a lower file",
    script: "printf 123456 > /tmp/t; truncate -s 2 /tmp/t; cat /tmp/t; echo; truncate -s 0 /etc/group; wc -c < /etc/group",
    expect: "12\n0\n",
  },
  {
    name: "rename over an existing file, upper and lower",
    script: "echo a > /tmp/ra; echo b > /tmp/rb; mv /tmp/ra /tmp/rb; cat /tmp/rb; ls /tmp/ra 2>&1; mv /etc/passwd /etc/passwd2; ls /etc/passwd 2>&1; head -c 4 /etc/passwd2; echo",
    expect: "a\nls: /tmp/ra: No such file or directory\nls: /etc/passwd: No such file or directory\nroot\n",
  },
  {
    name: "unlink while open keeps the data readable",
    script: "echo data > /tmp/u; exec 3</tmp/u; rm /tmp/u; cat <&3; exec 4</etc/upper-added; rm /etc/upper-added; cat <&4; ls /etc/upper-added 2>&1",
    expect: "data\nupper\nls: /etc/upper-added: No such file or directory\n",
  },
  {
    name: "a hard link to a lower file shares its data after the copy-up",
    script: "ln /etc/group /tmp/g; echo extra >> /tmp/g; tail -n1 /etc/group; stat -c %h /etc/group",
    expect: "extra\n2\n",
  },
  {
    name: "a whiteout hides a lower file; recreating it shows the new one",
    script: "ls /etc/lower-only 2>&1; rm /srv/app/entry.sh; ls /srv/app/entry.sh 2>&1; echo new > /srv/app/entry.sh; cat /srv/app/entry.sh; ls /srv/app",
    expect: "ls: /etc/lower-only: No such file or directory\nls: /srv/app/entry.sh: No such file or directory\nnew\nentry.sh\n",
  },
  {
    name: "a directory recreated after rm -rf is opaque",
    script: "rm -rf /var/spool; mkdir /var/spool; ls -A /var/spool | wc -l; touch /var/spool/x; ls /var/spool",
    expect: "0\nx\n",
  },
  {
    name: "chmod, chown and utimes, on a new and a lower file",
    script: "touch /tmp/at; chmod 640 /tmp/at; chown 12:34 /tmp/at; touch -d '2001-02-03 04:05:06' /tmp/at; stat -c '%a %u %g %y' /tmp/at; chmod 600 /bin/busybox; stat -c '%a' /bin/busybox; chmod 755 /bin/busybox",
    expect: "640 12 34 2001-02-03 04:05:06.000000000 +0000\n600\n",
  },
  {
    name: "user xattrs set, listed and removed; the overlay's own stay hidden",
    script: "touch /tmp/at; /fsh xattr /tmp/at; /fsh xattr /home/owned-by-1000; /fsh getx /etc user.overlay.opaque",
    expect: "set ok\nget v1\nlist user.test\nremove ok\nget-after ENODATA\nset ok\nget v1\nlist user.test\nremove ok\nget-after ENODATA\nENODATA\n",
  },
  {
    name: "a write through a shared mapping is visible to read()",
    script: "echo 0123456789 > /tmp/m; /fsh mmap /tmp/m; head -c 10 /tmp/m; echo",
    expect: "before-msync MAPPED\nmsync ok\nMAPPED6789\n",
  },
  {
    name: "fsync, fdatasync and syncfs succeed",
    script: "/fsh fsync /tmp/fs; cat /tmp/fs",
    expect: "fsync ok\nfdatasync ok\nsyncfs ok\ndurable\n",
  },
  {
    name: "renameat2 RENAME_EXCHANGE and RENAME_NOREPLACE",
    script: "echo 1 > /tmp/x1; echo 2 > /tmp/x2; /fsh exchange /tmp/x1 /tmp/x2; cat /tmp/x1 /tmp/x2; /fsh noreplace /tmp/x1 /tmp/x2; /fsh noreplace /tmp/x1 /tmp/x3; ls /tmp/x1 2>&1; /fsh exchange /etc/x9 /tmp/x3; /fsh exchange /etc/group /tmp/x3; head -c 1 /etc/group; echo",
    expect: "exchange ok\n2\n1\nnoreplace EEXIST\nnoreplace ok\nls: /tmp/x1: No such file or directory\nexchange ENOENT\nexchange ok\n2\n",
  },
  {
    name: "O_TMPFILE then linkat",
    script: "/fsh tmpfile /tmp /tmp/anon; cat /tmp/anon 2>&1",
    expect: "tmpfile ok\nlink ok\nanon\n",
    differs: {
      'fuse-overlay': {
        stdout: "tmpfile EOPNOTSUPP\ncat: can't open '/tmp/anon': No such file or directory\n",
        reason: 'libfuse 3.14 has no tmpfile operation (FUSE_TMPFILE came with Linux 6.x and libfuse 3.17); open(2) falls back as on any filesystem without O_TMPFILE',
      },
      'fuse-overlayfs': {
        stdout: "tmpfile EOPNOTSUPP\ncat: can't open '/tmp/anon': No such file or directory\n",
        reason: 'the same libfuse limit as ours',
      },
    },
  },
  {
    name: "flock and fcntl locks exclude another process",
    script: "/fsh lock /tmp/lk",
    expect: "flock ok\nsetlk ok\nother-flock EAGAIN\nother-setlk EAGAIN\n",
  },
  {
    name: "readdir with many entries, new and lower, and rm -rf of them",
    script: "mkdir /tmp/d; cd /tmp/d; i=0; while [ $i -lt 3000 ]; do : > f$i; i=$((i+1)); done; ls | wc -l; ls -a | wc -l; ls /bin | wc -l; cd /; rm -rf /tmp/d; ls /tmp/d 2>&1",
    expect: "3000\n3002\n269\nls: /tmp/d: No such file or directory\n",
  },
  {
    name: "large files: a 2 GiB sparse file and a 64 MiB copy",
    script: "dd if=/dev/zero of=/tmp/big bs=1M count=1 seek=2047 2>/dev/null; stat -c %s /tmp/big; dd if=/tmp/big bs=1M skip=2047 2>/dev/null | wc -c; dd if=/dev/urandom of=/tmp/r bs=1M count=64 2>/dev/null; a=$(md5sum < /tmp/r); cp /tmp/r /tmp/r2; b=$(md5sum < /tmp/r2); [ \"$a\" = \"$b\" ] && echo copy-same",
    expect: "2147483648\n1048576\ncopy-same\n",
  },
  {
    name: "concurrent writers: threads at offsets, processes appending",
    script: "/fsh writers /tmp/w; for i in 1 2 3 4; do (j=0; while [ $j -lt 200 ]; do echo \"w$i $j\" >> /tmp/log; j=$((j+1)); done) & done; wait; wc -l < /tmp/log",
    expect: "size 33554432 bad 0\n800\n",
  },
  {
    name: "symlinks, new and from the image",
    script: "ln -s /etc/passwd /tmp/l; readlink /tmp/l; head -c 4 /tmp/l; echo; readlink /sbin",
    expect: "/etc/passwd\nroot\nbin\n",
  },
  {
    name: "rename directories, new and from the image",
    script: "mkdir -p /tmp/d1/sub; echo z > /tmp/d1/sub/f; mv /tmp/d1 /tmp/d2; cat /tmp/d2/sub/f; mv /var/www /var/web && ls /var",
    expect: "z\nspool\nweb\n",
  },
  {
    name: "statfs and fifos",
    script: "df / | tail -n1 | awk '{print ($2>0)}'; mkfifo /tmp/ff; stat -c %F /tmp/ff",
    expect: "1\nfifo\n",
  },
];
