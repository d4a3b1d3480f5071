#pragma once
// The iptables backend's tests: the shared ProxyState builders and the golden-file check.

#include <cstdlib>
#include <string>

#include <gtest/gtest.h>

#include "common/base/file_util.h"
#include "support/proxy_state_builder.h"

namespace orch::proxy::testing {

// Compares `text` with tests/testdata/proxy_iptables/<name>.txt; ORCH_UPDATE_GOLDEN=1
// rewrites the file instead (review the diff).
inline void expectGolden(const std::string& name, const std::string& text) {
  const std::string path = std::string(ORCH_PROXY_IPTABLES_TESTDATA) + "/" + name + ".txt";
  if (const char* update = std::getenv("ORCH_UPDATE_GOLDEN"); update && *update == '1') {
    ASSERT_TRUE(writeFile(path, text).isOk()) << path;
    return;
  }
  auto want = readFile(path);
  ASSERT_TRUE(want.ok()) << want.status().message() << " (ORCH_UPDATE_GOLDEN=1 creates it)";
  EXPECT_EQ(text, *want) << "golden " << path << " differs";
}

}  // namespace orch::proxy::testing
