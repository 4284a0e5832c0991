// EventPoll over socketpairs. No timed assertions: a Wait that should end
// but does not hangs the test, and ctest's timeout fails it.
#include "service/upstream/event_poll.h"

#include <sys/socket.h>
#include <unistd.h>

#include <memory>
#include <thread>

#include "gtest/gtest.h"

namespace lipsync::upstream {
namespace {

// Both ends of a connected local socket pair, closed at scope exit.
class SocketPair {
 public:
  SocketPair() { EXPECT_EQ(socketpair(AF_UNIX, SOCK_STREAM, 0, fds_), 0); }
  ~SocketPair() {
    for (int fd : fds_)
      if (fd >= 0) close(fd);
  }
  int mine() const { return fds_[0]; }
  int peer() const { return fds_[1]; }
  void CloseMine() {
    close(fds_[0]);
    fds_[0] = -1;
  }
  void SendFromPeer() { ASSERT_EQ(write(fds_[1], "x", 1), 1); }

 private:
  int fds_[2] = {-1, -1};
};

TEST(EventPollTest, ReportsASocketThatHasDataToRead) {
  EventPoll poll;
  ASSERT_TRUE(poll.ok());
  SocketPair pair;
  ASSERT_TRUE(poll.Watch(pair.mine(), /*readable=*/true, false).ok());
  EXPECT_TRUE(poll.Wait(0).empty()) << "nothing sent yet";
  pair.SendFromPeer();
  auto ready = poll.Wait(-1);
  ASSERT_EQ(ready.size(), 1u);
  EXPECT_EQ(ready[0].fd, pair.mine());
  EXPECT_TRUE(ready[0].readable);
  EXPECT_FALSE(ready[0].writable);
}

TEST(EventPollTest, ChangedInterestIsWhatIsReported) {
  EventPoll poll;
  SocketPair pair;
  ASSERT_TRUE(poll.Watch(pair.mine(), false, /*writable=*/true).ok());
  auto ready = poll.Wait(-1);
  ASSERT_EQ(ready.size(), 1u);
  EXPECT_TRUE(ready[0].writable);
  // Now only reading, and nothing to read: no report.
  ASSERT_TRUE(poll.Watch(pair.mine(), /*readable=*/true, false).ok());
  EXPECT_TRUE(poll.Wait(0).empty());
}

TEST(EventPollTest, ForgottenSocketIsNotReported) {
  EventPoll poll;
  SocketPair pair;
  ASSERT_TRUE(poll.Watch(pair.mine(), true, true).ok());
  pair.SendFromPeer();
  poll.Forget(pair.mine());
  EXPECT_TRUE(poll.Wait(0).empty());
  // Neither readable nor writable is the same as Forget.
  ASSERT_TRUE(poll.Watch(pair.mine(), true, false).ok());
  ASSERT_TRUE(poll.Watch(pair.mine(), false, false).ok());
  EXPECT_TRUE(poll.Wait(0).empty());
}

TEST(EventPollTest, WakeFromAnotherThreadEndsAnUnboundedWait) {
  EventPoll poll;
  std::thread waker([&] { poll.Wake(); });
  EXPECT_TRUE(poll.Wait(-1).empty());  // hangs if the wake were lost
  waker.join();
}

TEST(EventPollTest, WakeBeforeTheWaitIsKeptAndConsumedOnce) {
  EventPoll poll;
  poll.Wake();
  poll.Wake();
  EXPECT_TRUE(poll.Wait(-1).empty());
  EXPECT_TRUE(poll.Wait(0).empty());
}

// libcurl says REMOVE (Forget) before it closes a socket (Curl_multi_closed),
// and the next socket often gets the same number: it must be watched afresh.
TEST(EventPollTest, DescriptorNumberReusedAfterForgetIsWatchedAfresh) {
  EventPoll poll;
  auto first = std::make_unique<SocketPair>();
  const int number = first->mine();
  ASSERT_TRUE(poll.Watch(number, true, false).ok());
  poll.Forget(number);
  first->CloseMine();
  SocketPair second;
  ASSERT_EQ(second.mine(), number) << "the lowest free number is reused";
  ASSERT_TRUE(poll.Watch(second.mine(), true, false).ok());
  second.SendFromPeer();
  auto ready = poll.Wait(-1);
  ASSERT_EQ(ready.size(), 1u);
  EXPECT_EQ(ready[0].fd, number);
}

}  // namespace
}  // namespace lipsync::upstream
