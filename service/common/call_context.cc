#include "service/common/call_context.h"

#include <utility>

namespace lipsync {

void CallContext::Cancel() {
  std::function<void()> hook;
  {
    absl::MutexLock lock(&mu_);
    if (cancelled_) return;
    cancelled_ = true;
    hook = std::move(hook_);
    hook_ = nullptr;
  }
  if (hook) hook();
}

bool CallContext::cancelled() const {
  absl::MutexLock lock(&mu_);
  return cancelled_;
}

uint64_t CallContext::SetCancelHook(std::function<void()> hook) {
  uint64_t token;
  {
    absl::MutexLock lock(&mu_);
    token = ++hook_token_;
    if (!cancelled_) {
      hook_ = std::move(hook);
      return token;
    }
  }
  hook();
  return token;
}

void CallContext::SetCaller(std::string caller) {
  absl::MutexLock lock(&mu_);
  caller_ = std::move(caller);
}

std::string CallContext::caller() const {
  absl::MutexLock lock(&mu_);
  return caller_;
}

void CallContext::ClearCancelHook(uint64_t token) {
  absl::MutexLock lock(&mu_);
  if (token == hook_token_) hook_ = nullptr;
}

}  // namespace lipsync
