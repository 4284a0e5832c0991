// AdmissionControl on its own: its two bounds, what a refusal says, and
// tickets giving back what they hold.
#include "service/server/admission_control.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <memory>
#include <thread>
#include <utility>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "service/common/status_details.h"

namespace lipsync::server {
namespace {

using Ticket = std::unique_ptr<AdmissionControl::Ticket>;

AdmissionLimits Limits(std::size_t calls, std::size_t audio_bytes) {
  AdmissionLimits limits;
  limits.max_in_flight_calls = calls;
  limits.max_audio_bytes_in_flight = audio_bytes;
  return limits;
}

Ticket Admit(AdmissionControl& admission, std::size_t audio_bytes) {
  absl::StatusOr<Ticket> ticket = admission.TryAdmit(audio_bytes);
  EXPECT_TRUE(ticket.ok()) << ticket.status();
  return ticket.ok() ? *std::move(ticket) : nullptr;
}

void ExpectOverloaded(const absl::Status& status, const std::string& bound,
                      const std::string& limit) {
  EXPECT_EQ(status.code(), absl::StatusCode::kResourceExhausted) << status;
  auto info = GetErrorInfo(status);
  ASSERT_TRUE(info.has_value());
  EXPECT_EQ(info->reason(), "GATEWAY_OVERLOADED");
  EXPECT_EQ(info->domain(), kGatewayErrorDomain);
  EXPECT_EQ(info->metadata().at("bound"), bound);
  EXPECT_EQ(info->metadata().at("limit"), limit);
  EXPECT_EQ(GetRetryDelay(status), absl::Milliseconds(100));
}

TEST(AdmissionControlTest, AdmitsUpToTheCallBoundThenRefuses) {
  AdmissionControl admission(Limits(2, 1000));
  Ticket first = Admit(admission, 0);
  Ticket second = Admit(admission, 0);
  EXPECT_EQ(admission.in_flight_calls(), 2u);
  absl::StatusOr<Ticket> third = admission.TryAdmit(0);
  ASSERT_FALSE(third.ok());
  ExpectOverloaded(third.status(), "in-flight calls", "2");
  EXPECT_EQ(admission.in_flight_calls(), 2u);
}

TEST(AdmissionControlTest, AReleasedTicketAdmitsTheNextCall) {
  AdmissionControl admission(Limits(1, 1000));
  Ticket first = Admit(admission, 300);
  EXPECT_FALSE(admission.TryAdmit(0).ok());
  first.reset();
  EXPECT_EQ(admission.in_flight_calls(), 0u);
  EXPECT_EQ(admission.audio_bytes_in_flight(), 0u);
  EXPECT_NE(Admit(admission, 0), nullptr);
}

TEST(AdmissionControlTest, CountsAudioBytesUntilTheTicketGoes) {
  AdmissionControl admission(Limits(10, 1000));
  Ticket a = Admit(admission, 300);
  Ticket b = Admit(admission, 700);
  EXPECT_EQ(admission.audio_bytes_in_flight(), 1000u);
  a.reset();
  EXPECT_EQ(admission.audio_bytes_in_flight(), 700u);
  EXPECT_EQ(admission.in_flight_calls(), 1u);
}

TEST(AdmissionControlTest, RefusesAudioBeyondTheBudget) {
  AdmissionControl admission(Limits(10, 1000));
  Ticket held = Admit(admission, 600);
  absl::StatusOr<Ticket> refused = admission.TryAdmit(401);
  ASSERT_FALSE(refused.ok());
  ExpectOverloaded(refused.status(), "audio bytes in flight", "1000");
  EXPECT_EQ(admission.audio_bytes_in_flight(), 600u);
  EXPECT_EQ(admission.in_flight_calls(), 1u);
  // Exactly up to the budget is fine.
  EXPECT_NE(Admit(admission, 400), nullptr);
}

TEST(AdmissionControlTest, CallsWithoutAudioIgnoreAFullAudioBudget) {
  AdmissionControl admission(Limits(10, 1000));
  Ticket held = Admit(admission, 1000);
  EXPECT_NE(Admit(admission, 0), nullptr);
}

TEST(AdmissionControlTest, AloneAnAudioLargerThanTheBudgetIsAdmitted) {
  AdmissionControl admission(Limits(10, 1000));
  Ticket big = Admit(admission, 5000);
  EXPECT_EQ(admission.audio_bytes_in_flight(), 5000u);
  EXPECT_FALSE(admission.TryAdmit(1).ok());
}

TEST(AdmissionControlTest, ConcurrentCallersNeverExceedTheBound) {
  constexpr std::size_t kBound = 8;
  AdmissionControl admission(Limits(kBound, 1000));
  absl::Mutex mu;
  std::vector<Ticket> admitted;
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 10; ++i) {
        absl::StatusOr<Ticket> ticket = admission.TryAdmit(0);
        if (!ticket.ok()) continue;
        absl::MutexLock lock(&mu);
        admitted.push_back(*std::move(ticket));
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  EXPECT_EQ(admitted.size(), kBound);
  EXPECT_EQ(admission.in_flight_calls(), kBound);
  admitted.clear();
  EXPECT_EQ(admission.in_flight_calls(), 0u);
}

}  // namespace
}  // namespace lipsync::server
