#pragma once
// Golden files: `text` must equal the file at `path`; ORCH_UPDATE_GOLDEN=1 rewrites the file
// instead (review the diff).

#include <gtest/gtest.h>

#include <cstdlib>
#include <string>

#include "common/base/file_util.h"

namespace orch::testing {

inline void expectGoldenFile(const std::string& path, const std::string& text) {
  if (const char* update = std::getenv("ORCH_UPDATE_GOLDEN"); update && *update == '1') {
    ASSERT_TRUE(writeFile(path, text).isOk()) << path;
    return;
  }
  auto want = readFile(path);
  ASSERT_TRUE(want.ok()) << want.status().message() << " (ORCH_UPDATE_GOLDEN=1 creates it)";
  EXPECT_EQ(text, *want) << "golden " << path << " differs";
}

}  // namespace orch::testing
