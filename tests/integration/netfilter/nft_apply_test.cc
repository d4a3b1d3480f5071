// The nftables applier against the real kernel, inside a private network namespace.

#include <gtest/gtest.h>
#include <unistd.h>

#include <nlohmann/json.hpp>

#include "common/netfilter/nft_match.h"
#include "common/netfilter/nft_ops.h"
#include "support/netns/netns_fixture.h"
#include "support/netns/node_namespace.h"

namespace orch::netfilter {
namespace {

class NftApplyTest : public testing::NodeNetnsTest {
 protected:
  // Runs fn with an NftOps bound to the test namespace.
  Status inNs(const std::function<Status(NftOps&)>& fn) {
    return ns_->run([&]() -> Status {
      ORCH_ASSIGN_OR_RETURN(auto ops, openMnlNftOps());
      return fn(*ops);
    });
  }

  // The namespace's ruleset as `nft -j` prints it (an independent reader).
  nlohmann::json ruleset() {
    auto r = ns_->exec({"nft", "-j", "list", "ruleset"});
    EXPECT_TRUE(r.ok() && r->exit_code == 0) << (r.ok() ? r->err : r.status().message());
    return nlohmann::json::parse(r.ok() ? r->out : "{}", nullptr, false);
  }
};

Transaction masqueradeTable() {
  Transaction tx;
  tx.add(AddTable{{Family::kInet, "orcht"}});
  tx.add(AddChain{{Family::kInet, "orcht", "masq", {}}});
  tx.add(AddChain{
      {Family::kInet, "orcht", "postrouting", BaseChainSpec{"nat", kHookPostrouting, 100, {}}}});
  tx.add(AddRule{{Family::kInet, "orcht", "postrouting", goTo("masq"), "", {}}});
  Exprs e = *matchAddr(true, "10.22.0.5");
  append(e, *matchPrefix(false, "10.22.0.0/16", true));
  append(e, masquerade());
  tx.add(AddRule{{Family::kInet, "orcht", "masq", e, "pod-a", {}}});
  return tx;
}

TEST_F(NftApplyTest, CommitsRulesThatNftReadsBack) {
  ASSERT_TRUE(inNs([](NftOps& ops) { return ops.commit(masqueradeTable()); }).isOk());
  nlohmann::json rs = ruleset();
  std::string text = rs.dump();
  EXPECT_NE(text.find("\"name\":\"orcht\""), std::string::npos) << text;
  EXPECT_NE(text.find("\"hook\":\"postrouting\""), std::string::npos) << text;
  EXPECT_NE(text.find("\"comment\":\"pod-a\""), std::string::npos) << text;
  EXPECT_NE(text.find("\"masquerade\""), std::string::npos) << text;
  EXPECT_NE(text.find("\"10.22.0.5\""), std::string::npos) << text;
}

TEST_F(NftApplyTest, ListsRulesWithHandlesAndDeletesByHandle) {
  std::vector<RuleInfo> rules;
  Status s = inNs([&](NftOps& ops) -> Status {
    ORCH_RETURN_IF_ERROR(ops.commit(masqueradeTable()));
    ORCH_ASSIGN_OR_RETURN(rules, ops.listRules(Family::kInet, "orcht", "masq"));
    if (rules.size() != 1) return Status::error(EPROTO, "expected one rule");
    Transaction del;
    del.add(DeleteRule{{Family::kInet, "orcht", "masq", {}, {}, rules[0].handle}});
    ORCH_RETURN_IF_ERROR(ops.commit(del));
    ORCH_ASSIGN_OR_RETURN(rules, ops.listRules(Family::kInet, "orcht", "masq"));
    return Status::ok();
  });
  ASSERT_TRUE(s.isOk()) << s.message();
  EXPECT_TRUE(rules.empty());
}

TEST_F(NftApplyTest, CommentsAreReadBack) {
  std::vector<RuleInfo> rules;
  Status s = inNs([&](NftOps& ops) -> Status {
    ORCH_RETURN_IF_ERROR(ops.commit(masqueradeTable()));
    ORCH_ASSIGN_OR_RETURN(rules, ops.listRules(Family::kInet, "orcht", "masq"));
    return Status::ok();
  });
  ASSERT_TRUE(s.isOk()) << s.message();
  ASSERT_EQ(rules.size(), 1u);
  EXPECT_EQ(rules[0].comment, "pod-a");
  EXPECT_GT(rules[0].handle, 0u);
}

TEST_F(NftApplyTest, AFailedBatchAppliesNothingAndNamesTheOperation) {
  Status s = inNs([](NftOps& ops) {
    Transaction tx;
    tx.add(AddTable{{Family::kIp, "orcht-partial"}});
    tx.add(AddRule{{Family::kIp, "orcht-partial", "missing", accept(), "", {}}});
    return ops.commit(tx);
  });
  ASSERT_FALSE(s.isOk());
  EXPECT_EQ(s.code(), ENOENT);
  EXPECT_NE(s.message().find("add rule to ip orcht-partial/missing"), std::string::npos)
      << s.message();
  std::vector<std::string> tables;
  ASSERT_TRUE(inNs([&](NftOps& ops) -> Status {
                ORCH_ASSIGN_OR_RETURN(tables, ops.listTables(Family::kIp));
                return Status::ok();
              }).isOk());
  EXPECT_TRUE(tables.empty());
}

TEST_F(NftApplyTest, VerdictMapWithConcatenatedKeysAndManyElements) {
  Status s = inNs([](NftOps& ops) {
    Transaction tx;
    tx.add(AddTable{{Family::kIp, "orcht"}});
    tx.add(AddChain{{Family::kIp, "orcht", "svc", {}}});
    Set map{Family::kIp,
            "orcht",
            "vips",
            {DataType::kIpv4Addr, DataType::kInetProto, DataType::kInetService},
            DataType::kVerdict,
            0,
            0};
    tx.add(AddSet{map});
    std::vector<Element> elems;
    for (int i = 0; i < 1000; ++i) {  // more than one netlink message's worth
      Bytes ip{10, 96, static_cast<uint8_t>(i / 256), static_cast<uint8_t>(i % 256)};
      elems.push_back(
          {concat({ip, {6}, portBytes(80)}), {}, Verdict{VerdictCode::kGoto, "svc"}, 0});
    }
    tx.add(AddElements{map, elems});
    return ops.commit(tx);
  });
  ASSERT_TRUE(s.isOk()) << s.message();
  std::string text = ruleset().dump();
  EXPECT_NE(text.find("10.96.3.231"), std::string::npos) << text.substr(0, 1500);  // element 999
}

TEST_F(NftApplyTest, DeletingTheTableLeavesNothing) {
  Status s = inNs([](NftOps& ops) -> Status {
    ORCH_RETURN_IF_ERROR(ops.commit(masqueradeTable()));
    Transaction del;
    del.add(DeleteTable{{Family::kInet, "orcht"}});
    return ops.commit(del);
  });
  ASSERT_TRUE(s.isOk()) << s.message();
  nlohmann::json rs = ruleset();
  ASSERT_TRUE(rs.contains("nftables"));
  for (const auto& item : rs["nftables"]) EXPECT_FALSE(item.contains("table")) << item.dump();
}

}  // namespace
}  // namespace orch::netfilter
