#include "service/resilience/timer_queue.h"

#include <utility>

namespace lipsync::resilience {

TimerQueue::TimerQueue() : thread_([this] { Run(); }) {}

TimerQueue::~TimerQueue() {
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
    wake_.Signal();
  }
  thread_.join();
  // Destroyed outside the lock: a callback's captures may own objects whose
  // destructors schedule or cancel.
  std::map<Key, std::function<void()>> dropped;
  {
    absl::MutexLock lock(&mu_);
    dropped.swap(timers_);
    when_by_id_.clear();
  }
}

uint64_t TimerQueue::Schedule(absl::Time when, std::function<void()> callback) {
  absl::MutexLock lock(&mu_);
  const uint64_t id = ++next_id_;
  const bool earliest = timers_.empty() || when < timers_.begin()->first.first;
  timers_.emplace(Key{when, id}, std::move(callback));
  when_by_id_.emplace(id, when);
  // Only a new earliest timer shortens the thread's current wait.
  if (earliest) wake_.Signal();
  return id;
}

bool TimerQueue::Cancel(uint64_t id) {
  std::function<void()> cancelled;
  {
    absl::MutexLock lock(&mu_);
    auto it = when_by_id_.find(id);
    if (it == when_by_id_.end()) return false;
    auto node = timers_.find(Key{it->second, id});
    cancelled = std::move(node->second);
    timers_.erase(node);
    when_by_id_.erase(it);
  }
  return true;
}

std::size_t TimerQueue::pending() const {
  absl::MutexLock lock(&mu_);
  return timers_.size();
}

void TimerQueue::Run() {
  while (true) {
    std::function<void()> callback;
    {
      absl::MutexLock lock(&mu_);
      while (true) {
        if (stopping_) return;
        if (timers_.empty()) {
          wake_.Wait(&mu_);
          continue;
        }
        const absl::Time due = timers_.begin()->first.first;
        if (absl::Now() >= due) break;
        // Spurious or early wake-ups just loop and re-check.
        wake_.WaitWithDeadline(&mu_, due);
      }
      auto first = timers_.begin();
      when_by_id_.erase(first->first.second);
      callback = std::move(first->second);
      timers_.erase(first);
    }
    // Run (and destroy) the callback without the lock, so that it may
    // Schedule and Cancel, and Cancel never waits for a running callback.
    callback();
  }
}

}  // namespace lipsync::resilience
