// Dumps while the table changes: the kernel marks such dumps NLM_F_DUMP_INTR and the
// library must dump again rather than return a partial or failed listing. A second
// handle keeps adding and deleting a link while the first one lists.
#include <gtest/gtest.h>

#include <atomic>
#include <set>
#include <thread>

#include "common/netlink/netlink.h"
#include "tests/support/netns/netns_fixture.h"

namespace orch::netlink {
namespace {

using orch::testing::NetnsTest;
using orch::testing::TestNetns;

constexpr int kPairs = 60;  // 120 links + bridge: a dump spans several recv() rounds
constexpr int kRounds = 40;

class DumpTest : public NetnsTest {};

TEST_F(DumpTest, ListingsStayCompleteWhileLinksChurn) {
  TestNetns* t = newNetns();
  ASSERT_NE(t, nullptr);
  Netlink& nl = t->nl();
  ASSERT_TRUE(nl.createBridge({.name = "brd"}).isOk());
  std::set<std::string> stable = {"lo", "brd"};
  for (int i = 0; i < kPairs; ++i) {
    std::string a = "d" + std::to_string(i) + "a", b = "d" + std::to_string(i) + "b";
    ASSERT_TRUE(nl.createVeth({.name = a, .peer_name = b}).isOk());
    ASSERT_TRUE(nl.setMaster(a, "brd").isOk());
    stable.insert(a);
    stable.insert(b);
  }

  auto churn_nl = Netlink::openIn(t->ns());
  ASSERT_TRUE(churn_nl.ok());
  std::atomic<bool> stop{false};
  std::atomic<int> churns{0};
  std::thread churn([&] {
    while (!stop) {
      if (churn_nl->createVeth({.name = "churn0", .peer_name = "churn1"}).isOk()) {
        (void)churn_nl->deleteLink("churn0");
        ++churns;
      }
    }
  });

  int failures = 0;
  for (int round = 0; round < kRounds; ++round) {
    auto links = nl.listLinks();
    if (!links.ok()) {
      ADD_FAILURE() << links.status().message();
      ++failures;
      continue;
    }
    std::set<std::string> seen;
    for (const auto& l : *links) seen.insert(l.name);
    for (const auto& s : stable) {
      if (!seen.count(s)) {
        ADD_FAILURE() << "round " << round << ": listing misses " << s;
        ++failures;
      }
    }
    // The AF_BRIDGE dump (parsed by the library itself, retried by it).
    auto flags = nl.getBridgePortFlags("d" + std::to_string(round % kPairs) + "a");
    if (!flags.ok()) {
      ADD_FAILURE() << flags.status().message();
      ++failures;
    }
    if (failures > 5) break;
  }
  stop = true;
  churn.join();
  EXPECT_GT(churns.load(), 0);  // the table really changed underneath
}

}  // namespace
}  // namespace orch::netlink
