#pragma once
// The backend-independent Store test suite. Each test program instantiates it with its backend:
//
//   INSTANTIATE_TEST_SUITE_P(Sqlite, StoreSuite, ::testing::Values(&backend), backendName);
//
// Every test works under its own key prefix, so a backend may share one server between tests.

#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "controlplane/store/store.h"

namespace orch::store::testing {

class StoreBackend {
 public:
  virtual ~StoreBackend() = default;
  virtual std::string name() const = 0;
  // A store for one test. Errors fail the test with their message (e.g. etcd missing).
  virtual Result<std::unique_ptr<Store>> open() = 0;
};

class StoreSuite : public ::testing::TestWithParam<StoreBackend*> {
 protected:
  void SetUp() override;
  void TearDown() override { store_.reset(); }
  // A key under this test's private prefix.
  std::string k(const std::string& name) const { return prefix_ + name; }

  std::unique_ptr<Store> store_;
  std::string prefix_;
};

inline std::string backendName(const ::testing::TestParamInfo<StoreBackend*>& info) {
  return info.param->name();
}

}  // namespace orch::store::testing
