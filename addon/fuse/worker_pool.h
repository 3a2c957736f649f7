// The FUSE server's helpers for requests that may wait on the disk (read, fsync, fallocate,
// big writes): the session runs on one thread, which answers everything else itself, and hands
// these here so that one cold read or one fsync never holds up the stats of every process in
// the container, and big writes go to the file while the session reads the next one. Why one
// session thread: docs/storage.md ("Threads").
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
  // Runs every task already posted, joins the workers, frees the spare buffers.
  ~WorkerPool();
  WorkerPool(const WorkerPool&) = delete;
  WorkerPool& operator=(const WorkerPool&) = delete;

  void post(std::function<void()> task);

  // Request buffers. A WRITE's data lives in the buffer the session received it into; a
  // handler that passes the write to a worker takes that buffer along (take_current), and the
  // session receives the next request into another. At most `kMaxLent` are out at once: then
  // the write is done in place.
  static constexpr size_t kMaxLent = 4;
  void* receive_buffer();          // session: a spare buffer, or nullptr (libfuse allocates)
  void set_current(void* mem);     // session: the buffer of the request being handled
  bool current_taken();            // session: did the handler take it? (then forget it)
  void* take_current();            // handler: the current buffer, now the caller's; or nullptr
  void give_back(void* mem);       // worker: done with a taken buffer

 private:
  void work();
  std::mutex mu_;
  std::condition_variable ready_;
  std::deque<std::function<void()>> tasks_;
  bool closing_ = false;
  std::vector<std::thread> threads_;
  void* current_ = nullptr;
  bool taken_ = false;
  size_t lent_ = 0;               // guarded by mu_
  std::vector<void*> spare_;      // guarded by mu_
};

}  // namespace sandbox::fuse
