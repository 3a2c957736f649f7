#include "fuse/worker_pool.h"

#include <cstdlib>

namespace sandbox::fuse {

WorkerPool::WorkerPool(unsigned threads) {
  threads_.reserve(threads);
  for (unsigned i = 0; i < threads; i++) threads_.emplace_back([this] { work(); });
}

WorkerPool::~WorkerPool() {
  {
    std::lock_guard<std::mutex> l(mu_);
    closing_ = true;
  }
  ready_.notify_all();
  for (auto& t : threads_) t.join();
  for (void* mem : spare_) std::free(mem);
}

void WorkerPool::post(std::function<void()> task) {
  {
    std::lock_guard<std::mutex> l(mu_);
    tasks_.push_back(std::move(task));
  }
  ready_.notify_one();
}

void* WorkerPool::receive_buffer() {
  std::lock_guard<std::mutex> l(mu_);
  if (spare_.empty()) return nullptr;
  void* mem = spare_.back();
  spare_.pop_back();
  return mem;
}

void WorkerPool::set_current(void* mem) {
  current_ = mem;
  taken_ = false;
}

bool WorkerPool::current_taken() { return taken_; }

void* WorkerPool::take_current() {
  if (!current_ || taken_) return nullptr;
  std::lock_guard<std::mutex> l(mu_);
  if (lent_ >= kMaxLent) return nullptr;
  lent_++;
  taken_ = true;
  return current_;
}

void WorkerPool::give_back(void* mem) {
  std::lock_guard<std::mutex> l(mu_);
  lent_--;
  spare_.push_back(mem);
}

void WorkerPool::work() {
  for (;;) {
    std::function<void()> task;
    {
      std::unique_lock<std::mutex> l(mu_);
      ready_.wait(l, [this] { return closing_ || !tasks_.empty(); });
      if (tasks_.empty()) return;  // closing, and nothing left to answer
      task = std::move(tasks_.front());
      tasks_.pop_front();
    }
    task();
  }
}

}  // namespace sandbox::fuse
