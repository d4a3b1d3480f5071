#pragma once
// Golden files for CRI messages: protobuf text format (maps sorted by key) compared with
// testdata/<name>.textproto. ORCH_UPDATE_GOLDEN=1 rewrites the files instead (review the diff).

#include <google/protobuf/text_format.h>
#include <gtest/gtest.h>

#include <string>

#include "tests/support/golden.h"

namespace orch::agent::testing {

inline void expectGolden(const std::string& name, const google::protobuf::Message& message) {
  std::string text;
  ASSERT_TRUE(google::protobuf::TextFormat::PrintToString(message, &text));
  ::orch::testing::expectGoldenFile(
      std::string(ORCH_KUBERUNTIME_TESTDATA) + "/" + name + ".textproto", text);
}

}  // namespace orch::agent::testing
