// EventPoll over socketpairs. No timed assertions: a Wait that should end
// but does not hangs the test, and ctest's timeout fails it; the waits for a
// socket that is ready at once are bounded (kReadyAtOnceMs) so that a lost
// registration fails with its message instead.
#include "service/upstream/event_poll.h"

#include <sys/socket.h>
#include <unistd.h>

#include <memory>
#include <thread>

#include "gtest/gtest.h"

namespace lipsync::upstream {
namespace {

// A bound, not a speed: these sockets are ready before the wait starts.
constexpr int kReadyAtOnceMs = 5000;

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

// What a socket is watched for: reading (an idle connection) or writing (a
// connection still connecting).
enum class Want { kRead, kWrite };

// A connection socket as libcurl's opens one: marked parkable, then watched.
std::unique_ptr<SocketPair> WatchedConnection(EventPoll& poll, Want want) {
  auto pair = std::make_unique<SocketPair>();
  poll.MarkParkable(pair->mine());
  EXPECT_TRUE(
      poll.Watch(pair->mine(), want == Want::kRead, want == Want::kWrite).ok());
  return pair;
}

// Opens the next socket, which gets `number` (the lowest free one, just
// closed), marks it parkable if asked, watches it for `want` and expects it
// to be reported. Returns it, still open.
std::unique_ptr<SocketPair> ExpectNextSocketOnTheNumberIsReported(
    EventPoll& poll, int number, Want want = Want::kRead,
    bool parkable = false) {
  auto next = std::make_unique<SocketPair>();
  EXPECT_EQ(next->mine(), number) << "the lowest free number is reused";
  if (parkable) poll.MarkParkable(number);
  EXPECT_TRUE(
      poll.Watch(number, want == Want::kRead, want == Want::kWrite).ok());
  if (want == Want::kRead) next->SendFromPeer();
  auto ready = poll.Wait(kReadyAtOnceMs);
  EXPECT_EQ(ready.size(), 1u) << "the new socket is not watched";
  if (!ready.empty()) {
    EXPECT_EQ(ready[0].fd, number);
    EXPECT_EQ(ready[0].writable, want == Want::kWrite);
  }
  return next;
}

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

TEST(EventPollTest, UnwatchedSocketIsNotReported) {
  EventPoll poll;
  SocketPair pair;
  ASSERT_TRUE(poll.Watch(pair.mine(), true, true).ok());
  pair.SendFromPeer();
  poll.Unwatch(pair.mine());
  EXPECT_TRUE(poll.Wait(0).empty());
  // Neither readable nor writable is the same as Unwatch.
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

// libcurl says REMOVE (Unwatch) before it closes a socket (Curl_multi_closed),
// and the next socket often gets the same number: it must be watched afresh.
TEST(EventPollTest, DescriptorNumberReusedAfterUnwatchIsWatchedAfresh) {
  EventPoll poll;
  auto first = std::make_unique<SocketPair>();
  const int number = first->mine();
  ASSERT_TRUE(poll.Watch(number, true, false).ok());
  poll.Unwatch(number);
  first->CloseMine();
  ExpectNextSocketOnTheNumberIsReported(poll, number);
}

// A kept-alive connection between two transfers: libcurl stops watching it
// and watches it again. Parked, that costs no system call either way.
TEST(EventPollTest, ParkedSocketIsWatchedAgainWithoutASystemCall) {
  EventPoll poll;
  SocketPair pair;
  poll.MarkParkable(pair.mine());
  ASSERT_TRUE(poll.Watch(pair.mine(), true, false).ok());
  const uint64_t after_add = poll.epoll_ctl_calls();
  poll.Unwatch(pair.mine());
  ASSERT_TRUE(poll.Watch(pair.mine(), true, false).ok());
  EXPECT_EQ(poll.epoll_ctl_calls(), after_add) << "parking made a system call";
  pair.SendFromPeer();
  auto ready = poll.Wait(-1);
  ASSERT_EQ(ready.size(), 1u);
  EXPECT_EQ(ready[0].fd, pair.mine());
  // Another interest than the parked one is one change.
  poll.Unwatch(pair.mine());
  ASSERT_TRUE(poll.Watch(pair.mine(), false, true).ok());
  EXPECT_EQ(poll.epoll_ctl_calls(), after_add + 1);
}

// The peer closes an idle kept-alive connection: the parked socket turns
// readable for good. It is not reported (nobody watches it) and leaves the
// set then, so that the next waits do not end at once.
TEST(EventPollTest, ParkedSocketThatTurnsReadyLeavesTheSetUnreported) {
  EventPoll poll;
  SocketPair pair;
  poll.MarkParkable(pair.mine());
  ASSERT_TRUE(poll.Watch(pair.mine(), true, false).ok());
  poll.Unwatch(pair.mine());
  pair.SendFromPeer();
  const uint64_t before = poll.epoll_ctl_calls();
  EXPECT_TRUE(poll.Wait(0).empty());
  EXPECT_EQ(poll.epoll_ctl_calls(), before + 1)
      << "removed when it turned ready";
  EXPECT_TRUE(poll.Wait(0).empty());
  EXPECT_EQ(poll.epoll_ctl_calls(), before + 1) << "reported again";
  // Watched again later, it is added afresh and its data reported.
  ASSERT_TRUE(poll.Watch(pair.mine(), true, false).ok());
  auto ready = poll.Wait(-1);
  ASSERT_EQ(ready.size(), 1u);
  EXPECT_TRUE(ready[0].readable);
}

// A parked socket's number, closed through Closing and reused by the next
// socket, is watched afresh (without Closing the record would say "already
// watched" and the new socket would never be reported).
TEST(EventPollTest, ClosingForgetsAParkedSocketSoItsNumberIsWatchedAfresh) {
  EventPoll poll;
  auto first = WatchedConnection(poll, Want::kRead);
  const int number = first->mine();
  poll.Unwatch(number);
  poll.Closing(number);
  first->CloseMine();
  auto second = ExpectNextSocketOnTheNumberIsReported(poll, number);
  // And the new socket is not parkable unless marked so: Unwatch removes it.
  const uint64_t before = poll.epoll_ctl_calls();
  poll.Unwatch(number);
  EXPECT_EQ(poll.epoll_ctl_calls(), before + 1);
}

// A connection socket watched for writing is still connecting. libcurl 7.88
// closes such a socket itself (not through the close hook), so it is never
// parked: Unwatch removes it at once.
TEST(EventPollTest, ConnectingSocketIsRemovedNotParked) {
  EventPoll poll;
  auto connecting = WatchedConnection(poll, Want::kWrite);
  const uint64_t before = poll.epoll_ctl_calls();
  poll.Unwatch(connecting->mine());
  EXPECT_EQ(poll.epoll_ctl_calls(), before + 1);
}

// libcurl 7.88 cancelling a connect: the socket is closed behind our back,
// then CURL_POLL_REMOVE arrives. The next socket of that number (here one
// libcurl did not create for a connection, like a resolver's socket pair)
// must be watched afresh.
TEST(EventPollTest, ConnectingSocketClosedBehindOurBackLeavesNoRecord) {
  EventPoll poll;
  auto first = WatchedConnection(poll, Want::kWrite);
  const int number = first->mine();
  first->CloseMine();
  poll.Unwatch(number);
  ExpectNextSocketOnTheNumberIsReported(poll, number, Want::kWrite);
}

// Should a parked socket ever be closed behind our back, the next connection
// socket of that number starts from a clean record (MarkParkable), so it is
// added to the set rather than taken for registered.
TEST(EventPollTest, NewConnectionSocketForgetsAStaleParkedRecord) {
  EventPoll poll;
  auto first = WatchedConnection(poll, Want::kRead);
  const int number = first->mine();
  poll.Unwatch(number);  // parked
  first->CloseMine();    // no Closing
  ExpectNextSocketOnTheNumberIsReported(poll, number, Want::kRead,
                                        /*parkable=*/true);
}

}  // namespace
}  // namespace lipsync::upstream
