#include "cni-plugins/bridge/netfilter_names.h"

#include <gtest/gtest.h>

#include "cni-plugins/bridge/ipmasq.h"

namespace orch::cni::bridge {
namespace {

// Expected values computed independently (Python hashlib.sha512).
TEST(NetfilterNames, ChainNamesAreTheReferenceHashes) {
  EXPECT_EQ(formatChainName("testnet", "c1"), "CNI-328e3d85e6c0f709cddd7c00");
  EXPECT_EQ(formatChainName("testnet", "c1", "DN-"), "CNI-DN-328e3d85e6c0f709cddd7");
  EXPECT_EQ(formatChainName("testnet", "c1").size(), 28u);
}

TEST(NetfilterNames, MasqCommentStartsWithInstanceHash) {
  MasqKey k{"testnet", "eth0", "c1"};
  EXPECT_EQ(masqInstanceHash(k), "c5964c6794a1152e-f4d01f2ef4b92245");
  EXPECT_EQ(masqComment(k), "c5964c6794a1152e-f4d01f2ef4b92245, net: testnet, if: eth0, id: c1");
  MasqKey q{"te\"st", "eth0", std::string(200, 'x')};
  EXPECT_EQ(masqComment(q).size(), 128u);
  EXPECT_EQ(masqComment(q).find('"'), std::string::npos);
}

TEST(NetfilterNames, CommentQuotesLikeGo) {
  EXPECT_EQ(formatComment("net", "id1"), R"(name: "net" id: "id1")");
  EXPECT_EQ(goQuote("a\"b\\c\n"), R"("a\"b\\c\n")");
}

}  // namespace
}  // namespace orch::cni::bridge
