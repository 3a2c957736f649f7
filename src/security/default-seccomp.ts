// Our default seccomp profile, in docker's profile format so that one code path (and a user's
// own --security-opt seccomp=PROFILE.json) reads both. In the spirit of docker's default: an
// allowlist of what ordinary programs use, syscalls that reach beyond the container gated on
// the capability that makes them meaningful, and two ways to say no:
//   - syscalls we know and refuse answer EPERM (what docker answers, what programs expect);
//   - every syscall this profile does not name answers ENOSYS, so a binary newer than the
//     profile sees "not implemented" and falls back (glibc's clone3 -> clone), instead of a
//     permission error it would report as fatal.
import type { SeccompProfile, SeccompProfileRule } from './seccomp-profile.js';

const names = (text: string): string[] => text.trim().split(/\s+/);

const EPERM = 1;
const ENOSYS = 38;

/** CLONE_NEWNS|NEWCGROUP|NEWUTS|NEWIPC|NEWUSER|NEWPID|NEWNET: new namespaces need CAP_SYS_ADMIN. */
const CLONE_NAMESPACE_FLAGS = [0x00020000, 0x02000000, 0x04000000, 0x08000000, 0x10000000, 0x20000000, 0x40000000];
const AF_VSOCK = 40;

/** What ordinary programs need: files, memory, time, signals, sockets, ids, IPC, events. */
const ALLOWED = names(`
  accept accept4 access adjtimex alarm bind brk cachestat capget capset chdir chmod chown chown32
  clock_adjtime clock_adjtime64 clock_getres clock_getres_time64 clock_gettime clock_gettime64
  clock_nanosleep clock_nanosleep_time64 close close_range connect copy_file_range creat dup dup2
  dup3 epoll_create epoll_create1 epoll_ctl epoll_ctl_old epoll_pwait epoll_pwait2 epoll_wait
  epoll_wait_old eventfd eventfd2 execve execveat exit exit_group faccessat faccessat2 fadvise64
  fadvise64_64 fallocate fanotify_mark fchdir fchmod fchmodat fchmodat2 fchown fchown32 fchownat
  fcntl fcntl64 fdatasync fgetxattr flistxattr flock fork fremovexattr fsetxattr fstat fstat64
  fstatat64 fstatfs fstatfs64 fsync ftruncate ftruncate64 futex futex_requeue futex_time64
  futex_wait futex_waitv futex_wake futimesat getcpu getcwd getdents getdents64 getegid getegid32
  geteuid geteuid32 getgid getgid32 getgroups getgroups32 getitimer getpeername getpgid getpgrp
  getpid getppid getpriority getrandom getresgid getresgid32 getresuid getresuid32 getrlimit
  get_robust_list getrusage getsid getsockname getsockopt get_thread_area gettid gettimeofday
  getuid getuid32 getxattr inotify_add_watch inotify_init inotify_init1 inotify_rm_watch
  io_cancel ioctl io_destroy io_getevents io_pgetevents io_pgetevents_time64 ioprio_get
  ioprio_set io_setup io_submit ipc kill landlock_add_rule landlock_create_ruleset
  landlock_restrict_self lchown lchown32 lgetxattr link linkat listen listxattr llistxattr _llseek
  lremovexattr lseek lsetxattr lstat lstat64 madvise map_shadow_stack membarrier memfd_create
  memfd_secret mincore mkdir mkdirat mknod mknodat mlock mlock2 mlockall mmap mmap2 mprotect
  mq_getsetattr mq_notify mq_open mq_timedreceive mq_timedreceive_time64 mq_timedsend
  mq_timedsend_time64 mq_unlink mremap msgctl msgget msgrcv msgsnd msync munlock munlockall munmap
  name_to_handle_at nanosleep newfstatat _newselect open openat openat2 pause pidfd_open
  pidfd_send_signal pipe pipe2 pkey_alloc pkey_free pkey_mprotect poll ppoll ppoll_time64 prctl
  pread64 preadv preadv2 prlimit64 process_mrelease pselect6 pselect6_time64 pwrite64 pwritev
  pwritev2 read readahead readlink readlinkat readv recv recvfrom recvmmsg recvmmsg_time64 recvmsg
  remap_file_pages removexattr rename renameat renameat2 restart_syscall rmdir rseq rt_sigaction
  rt_sigpending rt_sigprocmask rt_sigqueueinfo rt_sigreturn rt_sigsuspend rt_sigtimedwait
  rt_sigtimedwait_time64 rt_tgsigqueueinfo sched_getaffinity sched_getattr sched_getparam
  sched_get_priority_max sched_get_priority_min sched_getscheduler sched_rr_get_interval
  sched_rr_get_interval_time64 sched_setaffinity sched_setattr sched_setparam sched_setscheduler
  sched_yield seccomp select semctl semget semop semtimedop semtimedop_time64 send sendfile
  sendfile64 sendmmsg sendmsg sendto setfsgid setfsgid32 setfsuid setfsuid32 setgid setgid32
  setgroups setgroups32 setitimer setpgid setpriority setregid setregid32 setresgid setresgid32
  setresuid setresuid32 setreuid setreuid32 setrlimit set_robust_list setsid setsockopt
  set_thread_area set_tid_address setuid setuid32 setxattr shmat shmctl shmdt shmget shutdown
  sigaltstack signalfd signalfd4 sigprocmask sigreturn socketcall socketpair splice stat stat64
  statfs statfs64 statx symlink symlinkat sync sync_file_range syncfs sysinfo tee tgkill time
  timer_create timer_delete timer_getoverrun timer_gettime timer_gettime64 timer_settime
  timer_settime64 timerfd_create timerfd_gettime timerfd_gettime64 timerfd_settime
  timerfd_settime64 times tkill truncate truncate64 ugetrlimit umask uname unlink unlinkat utime
  utimensat utimensat_time64 utimes vfork vmsplice wait4 waitid waitpid write writev
  arch_prctl modify_ldt
`);

/** Syscalls that act on other processes: the kernel's own ptrace rules (same uid, or
 *  CAP_SYS_PTRACE) already confine them to the container, as docker decides for kernels >= 4.8. */
const PROCESS_INSPECTION = names('kcmp pidfd_getfd process_madvise process_vm_readv process_vm_writev ptrace');

/** Allowed only with the capability that gives them meaning (--cap-add, --privileged). */
const BY_CAPABILITY: Array<[string, string[]]> = [
  ['CAP_SYS_ADMIN', names(`bpf clone clone3 fanotify_init fsconfig fsmount fsopen fspick lookup_dcookie
    mount mount_setattr move_mount open_tree perf_event_open quotactl quotactl_fd setdomainname
    sethostname setns syslog umount umount2 unshare`)],
  ['CAP_DAC_READ_SEARCH', names('open_by_handle_at')],
  ['CAP_SYS_BOOT', names('reboot')],
  ['CAP_SYS_CHROOT', names('chroot')],
  ['CAP_SYS_MODULE', names('delete_module init_module finit_module')],
  ['CAP_SYS_PACCT', names('acct')],
  ['CAP_SYS_RAWIO', names('iopl ioperm')],
  ['CAP_SYS_TIME', names('settimeofday stime clock_settime clock_settime64')],
  ['CAP_SYS_TTY_CONFIG', names('vhangup')],
  ['CAP_SYS_NICE', names('get_mempolicy mbind set_mempolicy set_mempolicy_home_node')],
  ['CAP_SYSLOG', names('syslog')],
  ['CAP_BPF', names('bpf')],
  ['CAP_PERFMON', names('perf_event_open')],
];

/** Known and refused outright: the kernel keyring is not namespaced, the rest reach the host
 *  or are obsolete attack surface. */
const NEVER = names(`add_key keyctl request_key kexec_load kexec_file_load swapon swapoff userfaultfd
  uselib ustat sysfs _sysctl nfsservctl pivot_root vm86 vm86old create_module get_kernel_syms
  query_module io_uring_setup io_uring_enter io_uring_register afs_syscall break getpmsg putpmsg
  security tuxcall vserver lock ftime gtty stty mpx prof profil ulimit idle`);

/** personality(2) values that don't weaken the container (docker's list). */
const PERSONALITIES = [0x0, 0x0008, 0x20000, 0x20008, 0xffffffff];

const allow = (list: string[], extra: Partial<SeccompProfileRule> = {}): SeccompProfileRule => ({ names: list, action: 'SCMP_ACT_ALLOW', ...extra });

export const DEFAULT_SECCOMP_PROFILE: SeccompProfile = {
  defaultAction: 'SCMP_ACT_ERRNO',
  defaultErrnoRet: ENOSYS,
  archMap: [
    { architecture: 'SCMP_ARCH_X86_64', subArchitectures: ['SCMP_ARCH_X86', 'SCMP_ARCH_X32'] },
    { architecture: 'SCMP_ARCH_AARCH64', subArchitectures: ['SCMP_ARCH_ARM'] },
  ],
  syscalls: [
    allow(ALLOWED),
    allow(PROCESS_INSPECTION),
    ...PERSONALITIES.map((p) => allow(['personality'], { args: [{ index: 0, value: p, op: 'SCMP_CMP_EQ' }] })),
    // vsock reaches the hypervisor's host, outside any network namespace.
    allow(['socket'], { args: [{ index: 0, value: AF_VSOCK, op: 'SCMP_CMP_NE' }] }),
    { names: ['socket'], action: 'SCMP_ACT_ERRNO', errnoRet: EPERM, args: [{ index: 0, value: AF_VSOCK, op: 'SCMP_CMP_EQ' }] },
    // Threads and processes yes, new namespaces only with CAP_SYS_ADMIN (then the rule below
    // in BY_CAPABILITY allows clone whole). clone3 passes its flags in memory a filter can't
    // read, so without the capability it answers ENOSYS (the default) and libc falls back to clone.
    allow(['clone'], { args: [{ index: 0, value: CLONE_NAMESPACE_FLAGS.reduce((a, b) => a | b, 0), valueTwo: 0, op: 'SCMP_CMP_MASKED_EQ' }], excludes: { caps: ['CAP_SYS_ADMIN'] } }),
    ...CLONE_NAMESPACE_FLAGS.map((flag): SeccompProfileRule => ({
      names: ['clone'], action: 'SCMP_ACT_ERRNO', errnoRet: EPERM,
      args: [{ index: 0, value: flag, valueTwo: flag, op: 'SCMP_CMP_MASKED_EQ' }],
      excludes: { caps: ['CAP_SYS_ADMIN'] },
    })),
    ...BY_CAPABILITY.map(([cap, list]) => allow(list, { includes: { caps: [cap] } })),
    // Everything gated above that the capability set didn't allow, and the never-list: EPERM
    // (clone and clone3 keep the answers given above).
    { names: [...new Set([...BY_CAPABILITY.flatMap(([, list]) => list).filter((n) => n !== 'clone' && n !== 'clone3'), ...NEVER])], action: 'SCMP_ACT_ERRNO', errnoRet: EPERM },
  ],
};
