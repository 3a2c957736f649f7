// The FUSE server's helpers for requests that may wait on the disk (read, fsync, fallocate):
// the session runs on one thread, which answers everything else itself, and hands these here
// so that one cold read or one fsync never holds up the stats of every process in the
// container. Why one session thread: docs/storage.md ("Threads").
#pragma once
#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace sandbox::fuse {

class WorkerPool {
 public:
  explicit WorkerPool(unsigned threads);
  // Runs every task already posted, then joins the workers.
  ~WorkerPool();
  WorkerPool(const WorkerPool&) = delete;
  WorkerPool& operator=(const WorkerPool&) = delete;

  void post(std::function<void()> task);

 private:
  void work();
  std::mutex mu_;
  std::condition_variable ready_;
  std::deque<std::function<void()>> tasks_;
  bool closing_ = false;
  std::vector<std::thread> threads_;
};

}  // namespace sandbox::fuse
