// The ordered setup. Each step says why it is where it is; moving one is a design change.
#include "init/setup.h"

#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "init/caps.h"
#include "init/exec.h"
#include "init/limits.h"
#include "init/mounts.h"
#include "init/network.h"
#include "init/pivot.h"
#include "init/process.h"
#include "init/rootfs.h"
#include "init/sysctl.h"
#include "init/terminal.h"
#include "init/user.h"
#include "sandbox/protocol.h"
#include "sandbox/unique_fd.h"
#include "security/seccomp.h"

namespace sandbox {
namespace {

// The monitor blocks most signals (it reads them from a signalfd) and ignores SIGPIPE; both
// survive clone *and* execve, so the container's command would inherit them. Start clean.
void reset_signals() {
  for (int sig = 1; sig < NSIG; sig++) ::signal(sig, SIG_DFL);  // KILL/STOP just fail
  sigset_t none;
  sigemptyset(&none);
  ::sigprocmask(SIG_SETMASK, &none, nullptr);
}

// Block until the monitor has written our id maps (and, later, placed us in a cgroup). Before
// that we are "nobody" in our own namespace: files we created would be owned by an unmapped id
// and overlay refuses to mount. EOF means the monitor gave up (it reported why): just leave.
int wait_for_release(int sync_fd, Error& err) {
  char byte = 0;
  for (;;) {
    ssize_t n = ::read(sync_fd, &byte, 1);
    if (n == 1) return 0;
    if (n == 0) ::_exit(1);
    if (errno != EINTR) return err.sys("wait for the monitor");
  }
}

// The parent-death signal guards the window before execve: if the monitor is SIGKILLed, no one
// would reap or report us, so we die too. The kernel clears it on every credential change, so
// it is armed again here, after the last one; then check the monitor didn't die before that.
int arm_parent_death_signal(int sync_fd, Error& err) {
  if (::prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) < 0) return err.sys("prctl(PR_SET_PDEATHSIG)");
  char byte;
  ssize_t n = ::recv(sync_fd, &byte, 1, MSG_PEEK | MSG_DONTWAIT);
  if (n == 0) ::_exit(1);  // the monitor's end is closed: it is gone
  return 0;
}

// Steps 3-6 of ARCHITECTURE.md section 3. On failure `step` names the protocol step.
int setup_container(const RuntimeConfig& c, int sync_fd, int fuse_channel, const char*& step, Error& err) {
  step = "sync";
  if (wait_for_release(sync_fd, err) < 0) return -1;
  // From here on a monitor killed by SIGKILL takes the half-built container with it (armed
  // again before execve: credential changes clear it).
  if (::prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) < 0) return err.sys("prctl(PR_SET_PDEATHSIG)");

  // Now, not at clone: the monitor has just placed us in our own cgroup, and a cgroup
  // namespace's root is fixed when it is created, so this makes that cgroup our "/" (the
  // container sees no host cgroup paths). Without a cgroup of our own (no limits possible on
  // this host, or --cgroups=disabled) there is nothing to root it at: docker's v1 behaviour.
  if (c.cgroup_namespace && !c.cgroup.manager.empty()) {  // not with --cgroupns=host
    step = "cgroup";
    if (::unshare(CLONE_NEWCGROUP) < 0) return err.sys("unshare(CLONE_NEWCGROUP)");
  }

  step = "mount";
  // First of all mounts: our mount namespace is a copy of the host's, and with shared
  // propagation every mount below (and the final detach of the old root) would be replayed on
  // the host. As a slave we still see host unmounts, but nothing flows back.
  if (::mount(nullptr, "/", nullptr, MS_REC | MS_SLAVE, nullptr) < 0)
    return err.sys("make / a recursive slave");

  if (c.network.mode == net::Mode::Slirp) {
    step = "network";
    // Here, before the rootfs is mounted and pivot_root hides it: the host's /dev/net/tun is
    // the only one we can open (the container's /dev is a tmpfs without it). The monitor
    // waits for the fd right after releasing us.
    if (create_tap_for_monitor(c.network, sync_fd, err) < 0) return -1;
    // The outbound bypass's connect notifier (docs/networks.md), with the tap: the monitor
    // serves both in its own loop (net/slirp_network.h). Here, while we hold CAP_SYS_ADMIN (a filter
    // without no_new_privs needs it) and before the profile (which then need not allow
    // seccomp(2) for us). None of our own later steps connects, listens or sends with
    // MSG_FASTOPEN, so the filter never stops us; everything the command runs inherits it.
    if (c.network.bypass && hand_connect_notifier_to_monitor(sync_fd, err) < 0) return -1;
  }
  if (!c.network.networks.empty()) {
    step = "network";  // user-defined networks: the same moment, for the same reason
    if (create_member_taps_for_monitor(c.network, sync_fd, err) < 0) return -1;
  }

  step = "mount-rootfs";
  // The overlay goes on root.path before anything else: every later mount lands inside it.
  if (mount_rootfs(c.rootfs, c.root_path, fuse_channel, err) < 0) return -1;
  // An fd of the *mounted* rootfs: every target below is resolved against it, never by path.
  unique_fd root(::open(c.root_path.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
  if (!root) return err.sys("open the rootfs " + c.root_path);

  step = "mount";
  // In config order: later mounts may sit on earlier ones (/dev/pts needs /dev's tmpfs).
  // Bind sources are host paths, so this must happen before pivot_root hides the host.
  if (mount_config_mounts(c.mounts, root.get(), err) < 0) return -1;
  // The symlinks belong in our /dev tmpfs, so only after it is mounted (and only if it is ours:
  // an image's own /dev is left as the image has it).
  for (const auto& m : c.mounts)
    if (m.destination == "/dev" && !m.is_bind()) {
      if (create_dev_symlinks(root.get(), err) < 0) return -1;
      break;
    }
  // --sysctl: once /proc is mounted (it is the container's: we are in its namespaces), and
  // before the read-only paths below make /proc/sys read-only.
  if (!c.sysctls.empty()) {
    step = "sysctl";
    if (write_sysctls(c.sysctls, root.get(), err) < 0) return -1;
    step = "mount";
  }
  // Masked and read-only paths come after every mount: they cover paths inside /proc and
  // /sys that exist only once those are mounted, and a later mount would cover them up. And
  // before pivot_root: masking binds the host's /dev/null, which pivot_root hides.
  if (mask_paths(c.masked_paths, root.get(), err) < 0) return -1;
  if (make_paths_readonly(c.readonly_paths, root.get(), err) < 0) return -1;
  root.reset();  // must not survive into the container

  // The filter is compiled (or read from the user's cache) while host paths are still
  // reachable; it is installed later, at one of the two points below.
  SeccompProgram seccomp;
  if (c.seccomp.enabled) {
    step = "seccomp";
    if (compile_seccomp(c.seccomp, seccomp, err) < 0) return -1;
  }

  step = "pivot-root";
  if (pivot_into(c.root_path, err) < 0) return -1;
  // Only now: the mount step above creates mount points (mkdir, empty files) in the rootfs,
  // which a read-only root would refuse; and "/" names the rootfs only after pivot_root.
  // A missing working directory is created as docker does, also with --read-only: docker
  // makes it before the root turns read-only, so create it here, just before the remount.
  if (c.root_readonly) {
    step = "cwd";
    if (enter_cwd(c.cwd, err) < 0) return -1;
    step = "pivot-root";
  }
  if (c.root_readonly && remount_root_readonly(err) < 0) return -1;

  // Namespace-wide settings need CAP_NET_ADMIN (lo) and CAP_SYS_ADMIN (hostname) in our
  // namespace, so they come before the capability step drops them. They need no host path,
  // so after pivot_root, as section 3 orders them.
  if (c.clone_flags & CLONE_NEWNET) {
    step = "network";
    if (bring_up_loopback(err) < 0) return -1;
  }
  step = "hostname";
  if (!c.hostname.empty() && ::sethostname(c.hostname.data(), c.hostname.size()) < 0)
    return err.sys("sethostname " + c.hostname);
  // --domainname: the same namespace, the same capability, the same moment.
  if (!c.domainname.empty() && ::setdomainname(c.domainname.data(), c.domainname.size()) < 0)
    return err.sys("setdomainname " + c.domainname);
  step = "rlimits";
  if (apply_rlimits(c.rlimits, err) < 0) return -1;
  // Before the user switch and before execve: the value is inherited by the command.
  if (c.has_oom_score_adj && apply_oom_score_adj(c.oom_score_adj, err) < 0) return -1;

  step = "cwd";
  // After pivot (so the path means the container's), before the user switch (so we may
  // create it, as root in the container, like docker does).
  if (enter_cwd(c.cwd, err) < 0) return -1;
  // The environment is exactly process.env: it is passed to execve as is (exec step).

  if (c.terminal) {
    step = "terminal";
    // -t. After pivot_root: the pty must come from the container's own devpts instance, or
    // `tty` would name a /dev/pts entry the container can't see. Before close-fds, which
    // keeps 0-2 (now the slave), and before the user switch and capability drop: chowning
    // the slave to the command's user needs CAP_CHOWN.
    if (open_container_terminal(sync_fd, static_cast<unsigned>(c.uid), err) < 0) return -1;
  }

  step = "close-fds";
  // No fd of ours may reach the container (CVE-2024-21626); the sync socket stays for the
  // exec result and closes itself on execve.
  if (close_other_fds(sync_fd, err) < 0) return -1;

  // ---- seccomp (issue 8), when no_new_privs is OFF (docker's default) -------------------
  // Load the filter HERE: without no_new_privs the kernel lets only a holder of CAP_SYS_ADMIN
  // (in our namespace) install one, and the next steps drop it. The profile must allow the
  // syscalls that follow (setgroups, setres[ug]id, capset, prctl, execve).
  // -----------------------------------------------------------------------------------------
  if (c.seccomp.enabled && !c.no_new_privileges) {
    step = "seccomp";
    if (install_seccomp(seccomp, err) < 0) return -1;
  }

  step = "capabilities";
  // Bounding set before the user switch: PR_CAPBSET_DROP needs CAP_SETPCAP in the effective
  // set, which leaving uid 0 empties.
  if (drop_bounding_set(c.caps.bounding, err) < 0) return -1;

  step = "user";
  if (switch_user(c.uid, c.gid, c.additional_gids, err) < 0) return -1;

  step = "capabilities";
  // After the switch: setresuid recomputes the sets, so only now can they be set exactly.
  if (apply_capabilities(c.caps, err) < 0) return -1;
  if (c.no_new_privileges && ::prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
    return err.sys("prctl(PR_SET_NO_NEW_PRIVS)");

  // User-defined networks: the monitor has been joining our taps to their switches all along;
  // the command starts only once every network is connected, as docker's does.
  if (!c.network.networks.empty()) {
    step = "network";
    if (wait_for_network_joins(sync_fd, err) < 0) return -1;
  }
  // (Before the filter below: a profile need not allow this read.)

  // ---- seccomp (issue 8), when no_new_privs is ON ---------------------------------------
  // Load the filter HERE, last before execve: no_new_privs allows an unprivileged load, and
  // the later it starts the fewer of our own syscalls it has to allow.
  // -----------------------------------------------------------------------------------------
  if (c.seccomp.enabled && c.no_new_privileges) {
    step = "seccomp";
    if (install_seccomp(seccomp, err) < 0) return -1;
  }

  step = "exec";
  return arm_parent_death_signal(sync_fd, err);
}

}  // namespace

void init_main(const RuntimeConfig& config, int sync_fd, int fuse_channel) {
  reset_signals();
  const char* step = "sync";
  Error err;
  if (setup_container(config, sync_fd, fuse_channel, step, err) < 0) {
    protocol::send(sync_fd, protocol::error(step, err.errnum, err.message));
    ::_exit(1);
  }
  // Tell the monitor setup is over. Without this marker, an init that died mid-setup without a
  // word (a crash, the OOM killer) would close the socket just like a successful execve.
  static const char kExecMarker[] = "exec\n";
  if (::write(sync_fd, kExecMarker, sizeof kExecMarker - 1) != sizeof kExecMarker - 1) ::_exit(1);
  int e = exec_command(config.args, config.env);
  protocol::send(sync_fd, protocol::exec_failed(e, config.args[0]));
  ::_exit(exec_failure_status(e));
}

}  // namespace sandbox
