#include "common/base/status.h"

#include <gtest/gtest.h>

namespace orch {
namespace {

TEST(Status, OkByDefault) {
  Status s;
  EXPECT_TRUE(s.isOk());
  EXPECT_EQ(s.message(), "ok");
}

TEST(Status, ErrorCarriesErrnoAndContext) {
  Status s = Status::error(EEXIST, "attach veth1 to cni0");
  EXPECT_FALSE(s.isOk());
  EXPECT_EQ(s.code(), EEXIST);
  EXPECT_EQ(s.message(), "attach veth1 to cni0: EEXIST");
}

TEST(Status, WithContextPrependsOuter) {
  Status s = Status::notFound("link eth9").withContext("set up pod network");
  EXPECT_EQ(s.message(), "set up pod network: link eth9: ENOENT");
  EXPECT_TRUE(Status::ok().withContext("x").isOk());
}

TEST(Status, FromErrnoUsesCurrentErrno) {
  errno = EACCES;
  EXPECT_EQ(Status::fromErrno("open /x").code(), EACCES);
}

TEST(Status, UnknownErrnoPrintsNumber) {
  EXPECT_EQ(errnoName(4000), "errno 4000");
}

Result<int> half(int v) {
  if (v % 2 != 0) return Status::invalid("half: odd value " + std::to_string(v));
  return v / 2;
}

Result<int> quarter(int v) {
  ORCH_ASSIGN_OR_RETURN(int h, half(v));
  ORCH_ASSIGN_OR_RETURN(int q, half(h));
  return q;
}

Status check(int v) {
  ORCH_RETURN_IF_ERROR(quarter(v).status());
  return Status::ok();
}

TEST(Result, ValueAndErrorPropagate) {
  EXPECT_EQ(*quarter(8), 2);
  Result<int> bad = quarter(6);
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().code(), EINVAL);
  EXPECT_EQ(bad.status().context(), "half: odd value 3");
  EXPECT_EQ(bad.valueOr(-1), -1);
  EXPECT_TRUE(check(8).isOk());
  EXPECT_FALSE(check(2).isOk());
}

TEST(ResultDeathTest, ReadingAnErrorAborts) {
  Result<int> bad = Status::invalid("x");
  EXPECT_DEATH((void)bad.value(), "");
}

}  // namespace
}  // namespace orch
