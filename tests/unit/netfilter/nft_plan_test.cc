#include <gtest/gtest.h>
#include <netinet/in.h>

#include "common/netfilter/nft_match.h"
#include "common/netfilter/nft_objects.h"

namespace orch::netfilter {
namespace {

TEST(NftMatch, AddressBytesParsesBothFamiliesAndRejectsGarbage) {
  EXPECT_EQ(*addressBytes("10.1.2.3"), (Bytes{10, 1, 2, 3}));
  auto v6 = addressBytes("fd00::1");
  ASSERT_TRUE(v6.ok());
  EXPECT_EQ(v6->size(), 16u);
  EXPECT_EQ((*v6)[0], 0xfd);
  EXPECT_EQ((*v6)[15], 1);
  auto bad = addressBytes("10.1.2");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("\"10.1.2\""), std::string::npos);
}

TEST(NftMatch, PrefixMatchMasksTheNetwork) {
  auto e = matchPrefix(false, "10.22.0.7/16", true);
  ASSERT_TRUE(e.ok());
  std::string text;
  for (const Expr& x : *e) text += render(x) + "\n";
  EXPECT_EQ(text,
            "meta 15 => r1\n"
            "cmp r1 == 0x02\n"
            "payload network 16 4 => r1\n"
            "bitwise r1 & 0xffff0000 ^ 0x00000000 => r1\n"
            "cmp r1 != 0x0a160000\n");
}

TEST(NftMatch, FullLengthPrefixNeedsNoBitwise) {
  auto e = matchPrefix(true, "fd00::5/128");
  ASSERT_TRUE(e.ok());
  ASSERT_EQ(e->size(), 4u);
  EXPECT_TRUE(std::holds_alternative<Cmp>(e->back()));
}

TEST(NftMatch, BadPrefixLengthIsAnError) {
  EXPECT_FALSE(matchPrefix(true, "10.0.0.0/33").ok());
  EXPECT_FALSE(matchPrefix(true, "10.0.0.0").ok());
  EXPECT_FALSE(matchPrefix(true, "10.0.0.0/x").ok());
}

TEST(NftMatch, DnatLoadsAddressAndPortRegisters) {
  auto e = dnatTo("10.0.0.9", 8080);
  ASSERT_TRUE(e.ok());
  ASSERT_EQ(e->size(), 3u);
  EXPECT_EQ(render((*e)[0]), "immediate 0x0a000009 => r1");
  EXPECT_EQ(render((*e)[1]), "immediate 0x1f90 => r2");
  EXPECT_EQ(render((*e)[2]), "dnat ip addr r1 port r2 flags 3");
}

TEST(NftMatch, ConcatPadsComponentsToFourBytes) {
  Bytes key = concat({{10, 0, 0, 1}, {IPPROTO_TCP}, portBytes(80)});
  EXPECT_EQ(key, (Bytes{10, 0, 0, 1, 6, 0, 0, 0, 0, 80, 0, 0}));
}

TEST(Transaction, RendersAStableGoldenText) {
  Transaction tx;
  tx.add(AddTable{{Family::kInet, "t"}});
  tx.add(AddChain{{Family::kInet, "t", "post", BaseChainSpec{"nat", kHookPostrouting, 100, {}}}});
  Exprs exprs = *matchAddr(true, "10.0.0.5");
  append(exprs, masquerade());
  tx.add(AddRule{{Family::kInet, "t", "post", exprs, "pod-a", {}}});
  Set map{Family::kInet,
          "t",
          "vips",
          {DataType::kIpv4Addr, DataType::kInetProto, DataType::kInetService},
          DataType::kVerdict,
          0,
          0};
  tx.add(AddSet{map});
  tx.add(AddElements{map,
                     {Element{concat({{10, 96, 0, 1}, {6}, portBytes(443)}),
                              {},
                              Verdict{VerdictCode::kGoto, "svc-1"},
                              0}}});
  EXPECT_EQ(tx.render(),
            "add table inet t\n"
            "add chain inet t post { type nat hook 4 priority 100 }\n"
            "add rule inet t post\n"
            "    meta 15 => r1\n"
            "    cmp r1 == 0x02\n"
            "    payload network 12 4 => r1\n"
            "    cmp r1 == 0x0a000005\n"
            "    masquerade\n"
            "    comment \"pod-a\"\n"
            "add map inet t vips { key 7 . 12 . 13 : 1 }\n"
            "add element inet t vips { 0x0a60000106000000"
            "01bb0000 : goto svc-1 }\n");
}

TEST(NftObjects, BridgeFamilyRendersAndKeepsItsNfprotoValue) {
  EXPECT_EQ(static_cast<int>(Family::kBridge), 7);  // NFPROTO_BRIDGE
  EXPECT_EQ(familyName(Family::kBridge), "bridge");
  Transaction tx;
  tx.add(AddTable{{Family::kBridge, "nat"}});
  EXPECT_NE(tx.render().find("add table bridge nat"), std::string::npos) << tx.render();
}

}  // namespace
}  // namespace orch::netfilter
