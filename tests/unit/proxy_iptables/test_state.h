#pragma once
// The iptables backend's tests: the shared ProxyState builders and the golden-file check.

#include <string>

#include "support/proxy_state_builder.h"
#include "tests/support/golden.h"

namespace orch::proxy::testing {

// Compares `text` with tests/testdata/proxy_iptables/<name>.txt; ORCH_UPDATE_GOLDEN=1
// rewrites the file instead (review the diff).
inline void expectGolden(const std::string& name, const std::string& text) {
  ::orch::testing::expectGoldenFile(std::string(ORCH_PROXY_IPTABLES_TESTDATA) + "/" + name + ".txt",
                                    text);
}

}  // namespace orch::proxy::testing
