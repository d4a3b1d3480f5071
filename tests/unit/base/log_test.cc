#include "common/base/log.h"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "support/temp_dir.h"

namespace orch {
namespace {

TEST(Log, FormatsKeyValueFields) {
  EXPECT_EQ(log::format("pod started", {{"pod", "default/web"}, {"restarts", 3}, {"ready", true}}),
            "pod started pod=default/web restarts=3 ready=true");
}

TEST(Log, QuotesValuesWithSpacesOrQuotes) {
  EXPECT_EQ(log::format("m", {{"err", "no such file"}, {"q", "a\"b"}, {"e", ""}}),
            "m err=\"no such file\" q=\"a\\\"b\" e=\"\"");
}

TEST(Log, VerbosityGatesV) {
  log::setVerbosity(2);
  EXPECT_TRUE(log::v(2));
  EXPECT_FALSE(log::v(3));
  log::setVerbosity(0);
  EXPECT_FALSE(log::v(1));
}

TEST(Log, WritesToLogFile) {
  testing::TempDir dir;
  std::string path = dir.path() + "/orch.log";
  ASSERT_TRUE(log::setLogFile(path));
  log::warn("disk pressure", {{"free", "1Gi"}});
  ASSERT_TRUE(log::setLogFile(""));
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  EXPECT_NE(ss.str().find("disk pressure free=1Gi"), std::string::npos) << ss.str();
  EXPECT_EQ(ss.str()[0], 'W');
}

}  // namespace
}  // namespace orch
