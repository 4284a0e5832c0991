// absl::Notification's interface on std::mutex: ThreadSanitizer sees the
// happens-before it makes, which Debian's prebuilt absl::Mutex hides inside
// libabsl_synchronization (tests/support/tsan_absl_mutex.cc wraps only the
// calls made from our own objects).
#ifndef LIPSYNC_TESTS_SUPPORT_STD_NOTIFICATION_H_
#define LIPSYNC_TESTS_SUPPORT_STD_NOTIFICATION_H_

#include <condition_variable>
#include <mutex>

namespace lipsync::testing {

class StdNotification {
 public:
  void Notify() {
    std::lock_guard<std::mutex> lock(mu_);
    notified_ = true;
    cv_.notify_all();
  }
  void WaitForNotification() {
    std::unique_lock<std::mutex> lock(mu_);
    cv_.wait(lock, [this] { return notified_; });
  }
  bool HasBeenNotified() {
    std::lock_guard<std::mutex> lock(mu_);
    return notified_;
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  bool notified_ = false;
};

}  // namespace lipsync::testing

#endif  // LIPSYNC_TESTS_SUPPORT_STD_NOTIFICATION_H_
