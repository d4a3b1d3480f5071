// 100 clients doing read-modify-write with retry on 409 against one object.

#include <thread>

#include "tests/unit/apiserver_registry/registry_fixture.h"

namespace orch::apiserver::testing {
namespace {

TEST_F(RegistryTest, HundredClientsIncrementACounterExactly) {
  const std::string path = "/api/v1/namespaces/default/configmaps";
  ASSERT_EQ(
      post(path, api::Json{{"metadata", {{"name", "counter"}}}, {"data", {{"n", "0"}}}}).status,
      201);
  constexpr int kClients = 100, kIncrements = 3;
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int c = 0; c < kClients; ++c) {
    threads.emplace_back([&] {
      for (int i = 0; i < kIncrements; ++i) {
        while (true) {
          Answer cur = get(path + "/counter");
          if (cur.status != 200) {
            ++failures;
            return;
          }
          api::Json next = cur.body;
          next["data"]["n"] = std::to_string(std::stoi(next["data"]["n"].get<std::string>()) + 1);
          Answer w = put(path + "/counter", next);
          if (w.status == 200) break;
          if (w.status != 409) {
            ++failures;
            return;
          }
        }
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(failures, 0);
  EXPECT_EQ(get(path + "/counter").body["data"]["n"], std::to_string(kClients * kIncrements));
}

}  // namespace
}  // namespace orch::apiserver::testing
