// common/base/base64: the standard alphabet with padding, both ways, and decode errors.

#include "common/base/base64.h"

#include <gtest/gtest.h>

namespace orch {
namespace {

TEST(Base64, EncodesWithPadding) {
  EXPECT_EQ(base64Encode(""), "");
  EXPECT_EQ(base64Encode("f"), "Zg==");
  EXPECT_EQ(base64Encode("fo"), "Zm8=");
  EXPECT_EQ(base64Encode("foobar"), "Zm9vYmFy");
  EXPECT_EQ(base64Encode(std::string("\xff\xfe\x00", 3)), "//4A");
}

TEST(Base64, DecodesWhatItEncodes) {
  for (std::string s : {"", "f", "fo", "foo", "foobar", "\x01\x02\xff"}) {
    auto back = base64Decode(base64Encode(s));
    ASSERT_TRUE(back.ok()) << back.status().message();
    EXPECT_EQ(*back, s);
  }
}

TEST(Base64, RejectsBadLengthCharactersAndPadding) {
  EXPECT_FALSE(base64Decode("Zg=").ok());
  EXPECT_FALSE(base64Decode("Z!==").ok());
  EXPECT_FALSE(base64Decode("Z===").ok());
  EXPECT_FALSE(base64Decode("Zg==Zg==").ok());
}

}  // namespace
}  // namespace orch
