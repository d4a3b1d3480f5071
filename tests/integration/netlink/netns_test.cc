// NetNs: create / open / delete named namespaces, NetNs::run isolation, and the
// fixture's promise that nothing is left behind.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <thread>

#include "common/netlink/netlink.h"
#include "common/netlink/netns.h"
#include "tests/support/netns/netns_fixture.h"

namespace orch::netlink {
namespace {

using orch::testing::NetnsTest;
using orch::testing::TestNetns;

// After every test: no namespace of ours remains under /run/netns.
class LeftoverCheck : public ::testing::Environment {
 public:
  void TearDown() override {
    auto left = orch::testing::leftoverNetns();
    EXPECT_TRUE(left.empty()) << "left behind: " << left.size() << " namespaces, first "
                              << (left.empty() ? "" : left.front());
  }
};
[[maybe_unused]] ::testing::Environment* const kLeftoverCheck =
    ::testing::AddGlobalTestEnvironment(new LeftoverCheck);

ino_t inodeOf(const NetNs& ns) {
  return ns.inode().value();
}

class NetNsTest : public NetnsTest {};

TEST_F(NetNsTest, CreateOpenDeleteNamed) {
  std::string name = "orcht-" + std::to_string(::getpid()) + "-named";
  auto ns = NetNs::create(name);
  ASSERT_TRUE(ns.ok()) << ns.status().message();
  EXPECT_EQ(ns->path(), "/run/netns/" + name);

  // iproute2 sees it.
  auto list = orch::testing::runCommand({"ip", "-j", "netns", "list"});
  ASSERT_TRUE(list.ok());
  EXPECT_NE(list->out.find("\"" + name + "\""), std::string::npos) << list->out;

  auto again = NetNs::openName(name);
  ASSERT_TRUE(again.ok()) << again.status().message();
  EXPECT_EQ(inodeOf(*again), inodeOf(*ns));
  auto cur = NetNs::current();
  ASSERT_TRUE(cur.ok());
  EXPECT_NE(inodeOf(*cur), inodeOf(*ns));

  auto dup = NetNs::create(name);
  ASSERT_FALSE(dup.ok());
  EXPECT_EQ(dup.status().code(), EEXIST) << dup.status().message();

  ASSERT_TRUE(NetNs::remove(name).isOk());
  struct stat st {};
  EXPECT_NE(::stat(("/run/netns/" + name).c_str(), &st), 0);
  auto gone = NetNs::openName(name);
  ASSERT_FALSE(gone.ok());
  EXPECT_EQ(gone.status().code(), ENOENT);
  Status again_rm = NetNs::remove(name);
  EXPECT_EQ(again_rm.code(), ENOENT) << again_rm.message();
}

TEST_F(NetNsTest, RunLeavesTheCallingThreadAlone) {
  TestNetns* t = newNetns();
  ASSERT_NE(t, nullptr);
  auto before = NetNs::current();
  ASSERT_TRUE(before.ok());

  auto inside = t->run([]() -> Result<ino_t> {
    ORCH_ASSIGN_OR_RETURN(auto me, NetNs::current());
    return me.inode();
  });
  ASSERT_TRUE(inside.ok()) << inside.status().message();
  EXPECT_EQ(*inside, inodeOf(t->ns()));
  EXPECT_NE(*inside, inodeOf(*before));

  auto after = NetNs::current();
  ASSERT_TRUE(after.ok());
  EXPECT_EQ(inodeOf(*after), inodeOf(*before));

  // A Status-returning fn; the link it makes exists only inside.
  Status st = t->run([]() -> Status {
    ORCH_ASSIGN_OR_RETURN(auto nl, Netlink::open());
    return nl.createVeth({.name = "runv0", .peer_name = "runv1"});
  });
  ASSERT_TRUE(st.isOk()) << st.message();
  EXPECT_TRUE(t->nl().getLink("runv0").ok());
  auto host = Netlink::open();
  ASSERT_TRUE(host.ok());
  EXPECT_EQ(host->getLink("runv0").status().code(), ENODEV);
}

TEST_F(NetNsTest, RunPropagatesExceptionsAndErrors) {
  TestNetns* t = newNetns();
  ASSERT_NE(t, nullptr);
  EXPECT_THROW((void)t->run([]() -> Status { throw std::runtime_error("boom"); }),
               std::runtime_error);
  Status st = t->run([]() -> Status { return Status::error(EBUSY, "busy inside"); });
  EXPECT_EQ(st.code(), EBUSY);
}

TEST_F(NetNsTest, SocketsStayInTheirNamespace) {
  // One thread manages two namespaces through two handles.
  TestNetns* a = newNetns();
  TestNetns* b = newNetns();
  ASSERT_NE(a, nullptr);
  ASSERT_NE(b, nullptr);
  ASSERT_TRUE(a->nl().createVeth({.name = "sa0", .peer_name = "sa1"}).isOk());
  EXPECT_TRUE(a->nl().getLink("sa0").ok());
  EXPECT_EQ(b->nl().getLink("sa0").status().code(), ENODEV);
  auto links = b->ipJson({"link", "show"});
  ASSERT_TRUE(links.ok()) << links.status().message();
  ASSERT_EQ(links->size(), 1u);  // only lo
  EXPECT_EQ((*links)[0]["ifname"], "lo");
}

TEST_F(NetNsTest, DestroyRemovesNamespaceAndItsLinks) {
  auto t = TestNetns::create();
  ASSERT_TRUE(t.ok()) << t.status().message();
  std::string name = (*t)->name();
  TestNetns* other = newNetns();
  ASSERT_NE(other, nullptr);
  // A veth with one end in each: destroying the first must take the pair away.
  ASSERT_TRUE((*t)->nl()
                  .createVeth({.name = "dv0", .peer_name = "dv1", .peer_netns_fd = other->fd()})
                  .isOk());
  ASSERT_TRUE(other->nl().getLink("dv1").ok());
  ASSERT_TRUE((*t)->destroy().isOk());
  t->reset();
  EXPECT_EQ(NetNs::openName(name).status().code(), ENOENT);
  EXPECT_EQ(other->nl().getLink("dv1").status().code(), ENODEV);
}

}  // namespace
}  // namespace orch::netlink
