#include "service/audio/byte_reader.h"

#include <cstdint>
#include <limits>
#include <string>

#include "gtest/gtest.h"
#include "service/audio/audio_info.h"

namespace lipsync::audio {
namespace {

const std::string kBytes("\x01\x02\x03\x04\x05\x06\x07\x08\x09", 9);

TEST(LoadTest, ReadsBothByteOrders) {
  EXPECT_EQ(LoadU16Be(kBytes, 0), 0x0102);
  EXPECT_EQ(LoadU16Le(kBytes, 0), 0x0201);
  EXPECT_EQ(LoadU24Be(kBytes, 1), 0x020304u);
  EXPECT_EQ(LoadU32Be(kBytes, 0), 0x01020304u);
  EXPECT_EQ(LoadU32Le(kBytes, 0), 0x04030201u);
  EXPECT_EQ(LoadU64Be(kBytes, 1), 0x0203040506070809u);
  EXPECT_EQ(LoadU64Le(kBytes, 0), 0x0807060504030201u);
}

TEST(LoadTest, RefusesAnythingPastTheEnd) {
  EXPECT_EQ(LoadU8(kBytes, 8), 0x09);
  EXPECT_FALSE(LoadU8(kBytes, 9).has_value());
  EXPECT_FALSE(LoadU32Be(kBytes, 6).has_value());
  EXPECT_FALSE(LoadU64Be(kBytes, 2).has_value());
  EXPECT_FALSE(LoadU32Le("", 0).has_value());
  // Offsets that would wrap around if added to the width.
  const size_t huge = std::numeric_limits<size_t>::max() - 1;
  EXPECT_FALSE(LoadU32Be(kBytes, huge).has_value());
  EXPECT_FALSE(LoadU64Le(kBytes, huge).has_value());
  EXPECT_FALSE(HasTagAt(kBytes, huge, "ab"));
}

TEST(ByteReaderTest, FailedReadsLeaveThePositionAlone) {
  ByteReader r(kBytes);
  EXPECT_EQ(r.ReadU32Be(), 0x01020304u);
  EXPECT_EQ(r.position(), 4u);
  EXPECT_FALSE(r.ReadU64Be().has_value());
  EXPECT_EQ(r.position(), 4u);
  EXPECT_FALSE(r.Skip(6));
  EXPECT_TRUE(r.Skip(5));
  EXPECT_EQ(r.remaining(), 0u);
  EXPECT_FALSE(r.ReadU8().has_value());
  EXPECT_FALSE(r.Seek(10));
  EXPECT_TRUE(r.Seek(9));
  EXPECT_FALSE(r.Skip(std::numeric_limits<uint64_t>::max()));
  EXPECT_TRUE(r.Seek(2));
  EXPECT_EQ(r.ReadBytes(3), absl::string_view("\x03\x04\x05", 3));
  EXPECT_FALSE(r.ReadBytes(5).has_value());
  EXPECT_EQ(r.position(), 5u);
}

TEST(UnitsToMillisTest, RoundsDownAndNeverOverflows) {
  EXPECT_EQ(UnitsToMillis(88200, 44100), 2000);
  EXPECT_EQ(UnitsToMillis(88199, 44100), 1999);
  EXPECT_EQ(UnitsToMillis(1, 3), 333);
  EXPECT_EQ(UnitsToMillis(std::numeric_limits<uint64_t>::max(),
                          std::numeric_limits<uint64_t>::max()),
            1000);
  EXPECT_EQ(UnitsToMillis(std::numeric_limits<uint64_t>::max(), 1),
            std::numeric_limits<int64_t>::max());
  EXPECT_EQ(UnitsToMillis(std::numeric_limits<uint64_t>::max() - 1,
                          std::numeric_limits<uint64_t>::max()),
            999);
}

}  // namespace
}  // namespace lipsync::audio
