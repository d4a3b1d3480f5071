#pragma once
// Golden files for CRI messages: protobuf text format (maps sorted by key) compared with
// testdata/<name>.textproto. ORCH_UPDATE_GOLDEN=1 rewrites the files instead (review the diff).

#include <google/protobuf/text_format.h>
#include <gtest/gtest.h>

#include <cstdlib>
#include <string>

#include "common/base/file_util.h"

namespace orch::agent::testing {

inline void expectGolden(const std::string& name, const google::protobuf::Message& message) {
  std::string text;
  ASSERT_TRUE(google::protobuf::TextFormat::PrintToString(message, &text));
  const std::string path = std::string(ORCH_KUBERUNTIME_TESTDATA) + "/" + name + ".textproto";
  if (const char* update = std::getenv("ORCH_UPDATE_GOLDEN"); update && *update == '1') {
    ASSERT_TRUE(writeFile(path, text).isOk()) << path;
    return;
  }
  auto want = readFile(path);
  ASSERT_TRUE(want.ok()) << want.status().message() << " (ORCH_UPDATE_GOLDEN=1 creates it)";
  EXPECT_EQ(text, *want) << "golden " << path << " differs";
}

}  // namespace orch::agent::testing
