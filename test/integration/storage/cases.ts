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
    name: "removing files, new, open and from the image, leaves no error for syncfs to report",
    script: "echo a > /tmp/keep; /fsh syncfs-around /tmp/keep 'rm /etc/group /bin/ls; echo b > /tmp/x; rm /tmp/x; exec 3>/tmp/y; rm /tmp/y; exec 4</etc/passwd; rm /etc/passwd'",
    expect: "syncfs ok\n",
  },
  {
    name: "renameat2 RENAME_EXCHANGE and RENAME_NOREPLACE",
    script: "echo 1 > /tmp/x1; echo 2 > /tmp/x2; /fsh exchange /tmp/x1 /tmp/x2; cat /tmp/x1 /tmp/x2; /fsh noreplace /tmp/x1 /tmp/x2; /fsh noreplace /tmp/x1 /tmp/x3; ls /tmp/x1 2>&1; /fsh exchange /etc/x9 /tmp/x3; /fsh exchange /etc/group /tmp/x3; head -c 1 /etc/group; echo",
    expect: "exchange ok\n2\n1\nnoreplace EEXIST\nnoreplace ok\nls: /tmp/x1: No such file or directory\nexchange ENOENT\nexchange ok\n2\n",
  },
  {
    name: "O_TMPFILE then linkat, in a new and an image directory; O_EXCL stays unlinkable",
    script: "/fsh tmpfile /tmp /tmp/anon; cat /tmp/anon 2>&1; stat -c '%h %s %a' /tmp/anon; /fsh tmpfile /etc /etc/anon2; cat /etc/anon2; /fsh tmpfile-excl /tmp /tmp/anon3",
    expect: "tmpfile ok\nlink ok\nanon\n1 5 600\ntmpfile ok\nlink ok\nanon\ntmpfile ok\nlink ENOENT\n",
    differs: {
      'fuse-overlayfs': {
        stdout: "tmpfile EOPNOTSUPP\ncat: can't open '/tmp/anon': No such file or directory\ntmpfile EOPNOTSUPP\ntmpfile EOPNOTSUPP\n",
        reason: 'libfuse 3.14 has no tmpfile operation and fuse-overlayfs serves none; open(2) answers EOPNOTSUPP as on any filesystem without O_TMPFILE (ours serves FUSE_TMPFILE itself: addon/fuse/server.cc)',
      },
    },
  },
  {
    name: "attributes are current after a write through another fd, chmod, link and unlink",
    script: "cd /tmp; echo 12345 > a; exec 3<a 4>>a; stat -c %s a; echo 678 >&4; stat -c %s a; cat <&3; touch -d '2001-01-01 00:00:00' a; stat -c %Y a; echo z >&4; [ $(stat -c %Y a) -gt 1700000000 ] && echo mtime-now; [ $(stat -c %Z a) -gt 1700000000 ] && echo ctime-now; chmod 600 a; stat -c %a a; chmod 604 a; stat -c %a a; ln a b; stat -c %h a; echo via-b >> b; stat -c '%h %s' a; rm b; stat -c %h a; ln /etc/group /tmp/g2; stat -c %h /etc/group /tmp/g2; rm /tmp/g2; stat -c %h /etc/group; rm a; stat -L -c '%h %s' /proc/self/fd/3",
    expect: "6\n10\n12345\n678\n978307200\nmtime-now\nctime-now\n600\n604\n2\n2 18\n1\n2\n2\n1\n0 18\n",
    differs: {
      'fuse-overlayfs': {
        stdout: "6\n10\n12345\n678\n978307200\nmtime-now\nctime-now\n600\n604\n2\n2 18\n1\n2\n2\n1\n1 18\n",
        reason: "fuse-overlayfs answers a getattr of a file unlinked while open with a link count of 1 (ours and the kernel overlay: 0)",
      },
    },
  },
  {
    name: "a file removed while open is reopened through /proc/self/fd, new and from the image",
    script: "cd /tmp; echo 12345 > a; exec 3<a; rm a; wc -c < /proc/self/fd/3; echo more >> /proc/self/fd/3; cat /proc/self/fd/3; exec 5</etc/group; rm /etc/group; head -n1 /proc/self/fd/5 | cut -d: -f1",
    expect: "6\n12345\nmore\nroot\n",
  },
  {
    name: "new modes follow the creator's umask and nothing else",
    script: "cd /tmp; umask 0; touch f; mkdir d; mkfifo p; stat -c %a f d p; umask 027; touch g; mkdir e; stat -c %a g e",
    expect: "666\n777\n666\n640\n750\n",
  },
  {
    name: "set-id bits go on a write or truncate by a user without CAP_FSETID, and on chown",
    script: "cd /tmp; /fsh as 1000 'echo a > s; chmod 6775 s; stat -c %a s; echo x >> s; stat -c %a s; chmod 4755 s; truncate -s 1 s; stat -c %a s'; echo b > r; chmod 4755 r; chown 1000 r; stat -c %a r",
    expect: "6775\n775\n755\n755\n",
  },
  {
    name: "ls -l shows current modes and sizes after changes in the listed directory",
    script: "mkdir /tmp/l; cd /tmp/l; echo 1 > a; echo 22 > b; ln -s a c; ls -l | awk 'NR>1{print $1, $5, $NF}'; chmod 600 a; echo 333 >> b; ls -l | awk 'NR>1{print $1, $5, $NF}'; rm a; ls -l | awk 'NR>1{print $1, $5, $NF}'; rm /srv/app/entry.sh; ls -la /srv/app | wc -l; ls -ln /home | awk 'NR>1{print $3, $4, $NF}'",
    expect: "-rw-r--r-- 2 a\n-rw-r--r-- 3 b\nlrwxrwxrwx 1 a\n-rw------- 2 a\n-rw-r--r-- 7 b\nlrwxrwxrwx 1 a\n-rw-r--r-- 7 b\nlrwxrwxrwx 1 a\n3\n1000 1000 owned-by-1000\n",
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
