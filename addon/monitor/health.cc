#include "monitor/health.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "monitor/log_writer.h"

namespace sandbox {
namespace {

constexpr size_t kMaxOutput = 4096;  // docker keeps the first 4 KiB of a check's output
constexpr size_t kMaxLog = 5;        // and the last five results

int64_t now_ms() {
  timespec ts{};
  ::clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<int64_t>(ts.tv_sec) * 1000 + ts.tv_nsec / 1000000;
}

}  // namespace

bool parse_health_spec(const json::Value& config, HealthSpec& out) {
  const json::Value& h = config["sandbox"]["healthcheck"];
  if (!h.is_object()) return false;
  out.test = h["test"].strings();
  if (out.test.empty()) return false;
  auto ms = [&](const char* key, int64_t def) {
    int64_t v = h[key].as_int(0);
    return v > 0 ? v : def;
  };
  out.interval_ms = ms("intervalMs", 30000);
  out.timeout_ms = ms("timeoutMs", 30000);
  out.start_period_ms = ms("startPeriodMs", 0);
  out.start_interval_ms = ms("startIntervalMs", 5000);
  out.retries = static_cast<int>(ms("retries", 3));
  return true;
}

void HealthChecker::start(pid_t init_pid) {
  init_pid_ = init_pid;
  active_ = true;
  started_ms_ = now_ms();
  status_ = "starting";
  failing_streak_ = 0;
  log_.clear();
  next_ms_ = started_ms_ + (spec_.start_period_ms > 0 ? spec_.start_interval_ms : spec_.interval_ms);
  write_state();
}

void HealthChecker::stop() {
  active_ = false;
  if (child_ > 0) {
    ::kill(child_, SIGKILL);
    ::waitpid(child_, nullptr, 0);
    child_ = -1;
    out_.reset();
    pidfd_.reset();
  }
}

int HealthChecker::timeout_ms() const {
  if (!active_) return -1;
  const int64_t due = child_ > 0 ? deadline_ms_ : next_ms_;
  const int64_t left = due - now_ms();
  return left < 0 ? 0 : static_cast<int>(left);
}

void HealthChecker::fill(pollfd& out, pollfd& done) const {
  out = {child_ > 0 && out_ ? out_.get() : -1, POLLIN, 0};
  done = {child_ > 0 && pidfd_ ? pidfd_.get() : -1, POLLIN, 0};
}

void HealthChecker::launch() {
  int p[2];
  if (::pipe2(p, O_CLOEXEC) < 0) return;
  unique_fd r(p[0]), w(p[1]);
  unique_fd devnull(::open("/dev/null", O_RDWR | O_CLOEXEC));
  // The check is our own exec mode, run from a fresh process: it needs to setns, which the
  // monitor itself must not do (it would lose its view of the host).
  std::vector<std::string> args = {"sandbox-monitor", "exec",    "--config", config_path_,
                                   "--pid",           std::to_string(init_pid_), "--result-fd", "3", "--"};
  args.insert(args.end(), spec_.test.begin(), spec_.test.end());
  check_start_ = timestamp_now();
  pid_t pid = ::fork();
  if (pid < 0) return;
  if (pid == 0) {
    sigset_t all;
    sigfillset(&all);
    ::sigprocmask(SIG_UNBLOCK, &all, nullptr);
    ::dup2(devnull.get(), 0);
    ::dup2(w.get(), 1);
    ::dup2(w.get(), 2);
    ::dup2(devnull.get(), 3);  // its protocol messages are not wanted: the exit status says it all
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    ::execv("/proc/self/exe", argv.data());
    ::_exit(127);
  }
  child_ = pid;
  out_ = std::move(r);
  ::fcntl(out_.get(), F_SETFL, ::fcntl(out_.get(), F_GETFL) | O_NONBLOCK);
  pidfd_.reset(static_cast<int>(::syscall(SYS_pidfd_open, pid, 0)));
  output_.clear();
  deadline_ms_ = now_ms() + spec_.timeout_ms;
}

void HealthChecker::tick(const pollfd& out, const pollfd& done) {
  if (!active_) return;
  if (child_ > 0) {
    if (out.revents && out_) {
      char buf[1024];
      ssize_t n;
      while ((n = ::read(out_.get(), buf, sizeof buf)) > 0)
        if (output_.size() < kMaxOutput) output_.append(buf, std::min(static_cast<size_t>(n), kMaxOutput - output_.size()));
      if (n == 0) out_.reset();
    }
    int status = 0;
    pid_t r = ::waitpid(child_, &status, WNOHANG);
    if (r == child_) {
      if (out_) {  // what is left in the pipe
        char buf[1024];
        ssize_t n;
        while ((n = ::read(out_.get(), buf, sizeof buf)) > 0)
          if (output_.size() < kMaxOutput) output_.append(buf, std::min(static_cast<size_t>(n), kMaxOutput - output_.size()));
      }
      child_ = -1;
      out_.reset();
      pidfd_.reset();
      finish(WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status));
    } else if (now_ms() >= deadline_ms_) {
      ::kill(child_, SIGKILL);
      ::waitpid(child_, nullptr, 0);
      child_ = -1;
      out_.reset();
      pidfd_.reset();
      output_ = "Health check exceeded timeout (" + std::to_string(spec_.timeout_ms / 1000) + "s)";
      finish(-1);
    }
    (void)done;
    return;
  }
  if (now_ms() >= next_ms_) launch();
}

void HealthChecker::finish(int exit_code) {
  log_.push_back({check_start_, timestamp_now(), output_, exit_code});
  while (log_.size() > kMaxLog) log_.pop_front();
  const int64_t t = now_ms();
  const bool in_start_period = t < started_ms_ + spec_.start_period_ms;
  if (exit_code == 0) {
    status_ = "healthy";
    failing_streak_ = 0;
  } else if (!in_start_period || status_ == "healthy") {
    // docker: failures during the start period don't count, unless it was healthy already.
    failing_streak_++;
    if (failing_streak_ >= spec_.retries) status_ = "unhealthy";
  }
  next_ms_ = t + (in_start_period && status_ == "starting" ? spec_.start_interval_ms : spec_.interval_ms);
  write_state();
}

void HealthChecker::write_state() const {
  json::Value log = json::Value::array();
  for (const auto& r : log_) {
    json::Value e = json::Value::object();
    e.set("Start", json::Value::string(r.start));
    e.set("End", json::Value::string(r.end));
    e.set("ExitCode", json::Value::number(r.exit_code));
    e.set("Output", json::Value::string(r.output));
    log.push(std::move(e));
  }
  json::Value v = json::Value::object();
  v.set("Status", json::Value::string(status_));
  v.set("FailingStreak", json::Value::number(failing_streak_));
  v.set("Log", std::move(log));
  const std::string text = v.dump() + "\n";
  const std::string tmp = state_path_ + ".tmp";
  unique_fd fd(::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0600));
  if (!fd) return;
  bool ok = ::write(fd.get(), text.data(), text.size()) == static_cast<ssize_t>(text.size());
  fd.reset();
  if (!ok || ::rename(tmp.c_str(), state_path_.c_str()) < 0) ::unlink(tmp.c_str());
}

}  // namespace sandbox
