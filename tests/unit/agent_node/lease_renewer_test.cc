// The node Lease: creation with the Node as owner, renewal on the fake clock, recovery from
// conflicts, deletion and API errors with backoff.

#include "agent/node/lease_renewer.h"

#include <gtest/gtest.h>

#include <vector>

#include "tests/unit/agent_node/node_fixture.h"

namespace orch::agent {
namespace {

using testing::kLeasePath;

class LeaseTest : public testing::NodeTest {
 protected:
  // Records the backoff waits instead of waiting; `stop_after` waits end the round.
  LeaseRenewer::WaitFn recordWaits(int stop_after = 1000) {
    return [this, stop_after](std::chrono::milliseconds d) {
      waits_.push_back(d);
      clock_.advance(d);
      return static_cast<int>(waits_.size()) < stop_after;
    };
  }
  void createTheNode() {
    createNode({{"apiVersion", "v1"}, {"kind", "Node"}, {"metadata", {{"name", "node-a"}}}});
  }
  std::vector<std::chrono::milliseconds> waits_;
};

TEST_F(LeaseTest, CreatesTheLeaseOwnedByTheNodeAndRenewsIt) {
  createTheNode();
  const std::string node_uid = storedNode()->metadata.uid;
  LeaseRenewer renewer(*client_, opts_, clock_);
  EXPECT_FALSE(renewer.lastLease().has_value());
  ASSERT_TRUE(renewer.sync(recordWaits()).isOk());
  EXPECT_TRUE(waits_.empty());

  auto lease = storedLease();
  ASSERT_TRUE(lease.has_value());
  EXPECT_EQ(lease->metadata.namespace_, "kube-node-lease");
  EXPECT_EQ(lease->spec.holderIdentity, "node-a");
  EXPECT_EQ(lease->spec.leaseDurationSeconds, 40);
  ASSERT_TRUE(lease->spec.renewTime.has_value());
  const auto first_renew = lease->spec.renewTime->timePoint();
  EXPECT_EQ(std::chrono::floor<std::chrono::microseconds>(first_renew),
            std::chrono::floor<std::chrono::microseconds>(clock_.wallNow()));
  ASSERT_EQ(lease->metadata.ownerReferences.size(), 1u);
  const auto& owner = lease->metadata.ownerReferences[0];
  EXPECT_EQ(owner.apiVersion, "v1");
  EXPECT_EQ(owner.kind, "Node");
  EXPECT_EQ(owner.name, "node-a");
  EXPECT_EQ(owner.uid, node_uid);
  ASSERT_TRUE(renewer.lastLease().has_value());

  // Ten seconds later: renewed by an update of the same object.
  clock_.advance(std::chrono::seconds(10));
  const int puts = server_.requestCount("PUT", "/leases/node-a");
  ASSERT_TRUE(renewer.sync(recordWaits()).isOk());
  EXPECT_EQ(server_.requestCount("PUT", "/leases/node-a"), puts + 1);
  lease = storedLease();
  ASSERT_TRUE(lease.has_value());
  EXPECT_EQ(lease->spec.renewTime->timePoint() - first_renew, std::chrono::seconds(10));
  EXPECT_EQ(lease->metadata.ownerReferences.size(), 1u);
  EXPECT_EQ(renewer.lastLease()->metadata.resourceVersion, lease->metadata.resourceVersion);
}

TEST_F(LeaseTest, OwnerIsAddedOnceTheNodeExists) {
  LeaseRenewer renewer(*client_, opts_, clock_);
  ASSERT_TRUE(renewer.sync(recordWaits()).isOk());
  ASSERT_TRUE(storedLease().has_value());
  EXPECT_TRUE(storedLease()->metadata.ownerReferences.empty());

  createTheNode();
  clock_.advance(std::chrono::seconds(10));
  ASSERT_TRUE(renewer.sync(recordWaits()).isOk());
  ASSERT_EQ(storedLease()->metadata.ownerReferences.size(), 1u);
  EXPECT_EQ(storedLease()->metadata.ownerReferences[0].uid, storedNode()->metadata.uid);
}

TEST_F(LeaseTest, RecoversFromAConflictAndFromDeletion) {
  createTheNode();
  LeaseRenewer renewer(*client_, opts_, clock_);
  ASSERT_TRUE(renewer.sync(recordWaits()).isOk());

  // Someone else writes the Lease: our copy is stale, the PUT gets 409, then re-read + PUT.
  auto other = server_.get(kLeasePath);
  ASSERT_TRUE(other.has_value());
  (*other)["spec"]["holderIdentity"] = "intruder";
  ASSERT_TRUE(server_.remove(kLeasePath).isOk());
  (*other)["metadata"].erase("resourceVersion");
  (*other)["metadata"].erase("uid");
  auto remade =
      server_.create("/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases", *other);
  ASSERT_TRUE(remade.ok()) << remade.status().message();
  clock_.advance(std::chrono::seconds(10));
  ASSERT_TRUE(renewer.sync(recordWaits()).isOk());
  auto lease = storedLease();
  ASSERT_TRUE(lease.has_value());
  EXPECT_EQ(lease->spec.holderIdentity, "node-a");
  EXPECT_EQ(lease->spec.renewTime->timePoint(),
            std::chrono::time_point_cast<std::chrono::microseconds>(clock_.wallNow()));

  // Deleted: created again.
  ASSERT_TRUE(server_.remove(kLeasePath).isOk());
  clock_.advance(std::chrono::seconds(10));
  ASSERT_TRUE(renewer.sync(recordWaits()).isOk());
  ASSERT_TRUE(storedLease().has_value());
  EXPECT_EQ(storedLease()->spec.holderIdentity, "node-a");
  EXPECT_TRUE(waits_.empty());
}

TEST_F(LeaseTest, ApiErrorsBackOffUntilTheLeaseCanBeWritten) {
  createTheNode();
  server_.injectError({.method = "GET", .target = "/leases/node-a", .code = 500, .times = 4});
  LeaseRenewer renewer(*client_, opts_, clock_);
  ASSERT_TRUE(renewer.sync(recordWaits()).isOk());
  ASSERT_EQ(waits_.size(), 4u);
  EXPECT_EQ(waits_[0], std::chrono::milliseconds(200));
  EXPECT_EQ(waits_[1], std::chrono::milliseconds(400));
  EXPECT_EQ(waits_[2], std::chrono::milliseconds(800));
  EXPECT_EQ(waits_[3], std::chrono::milliseconds(1600));
  EXPECT_TRUE(storedLease().has_value());
}

TEST_F(LeaseTest, StoppingEndsTheBackoff) {
  server_.injectError({.method = "GET", .target = "/leases/node-a", .code = 503, .times = 100});
  LeaseRenewer renewer(*client_, opts_, clock_);
  Status st = renewer.sync(recordWaits(3));
  EXPECT_EQ(st.code(), ECANCELED) << st.message();
  EXPECT_EQ(waits_.size(), 3u);
  EXPECT_FALSE(storedLease().has_value());
}

TEST_F(LeaseTest, FailedRenewalFallsBackToEnsure) {
  createTheNode();
  LeaseRenewer renewer(*client_, opts_, clock_);
  ASSERT_TRUE(renewer.sync(recordWaits()).isOk());
  // Five failed PUTs of the known Lease, then GET + PUT succeed.
  server_.injectError({.method = "PUT", .target = "/leases/node-a", .code = 500, .times = 5});
  clock_.advance(std::chrono::seconds(10));
  ASSERT_TRUE(renewer.sync(recordWaits()).isOk());
  EXPECT_EQ(storedLease()->spec.renewTime->timePoint(),
            std::chrono::time_point_cast<std::chrono::microseconds>(clock_.wallNow()));
}

}  // namespace
}  // namespace orch::agent
