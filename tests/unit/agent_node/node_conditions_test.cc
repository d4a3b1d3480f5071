// Node conditions (reasons, heartbeat and transition times), pressure thresholds, status
// change detection and merge patches.

#include "agent/node/node_conditions.h"

#include <gtest/gtest.h>

#include "agent/node/merge_patch.h"

namespace orch::agent {
namespace {

api::Time at(int64_t s) {
  return api::Time::fromUnixSeconds(1700000000 + s);
}

const api::NodeCondition& cond(const std::vector<api::NodeCondition>& cs, const char* type) {
  for (const auto& c : cs) {
    if (c.type == type) return c;
  }
  static api::NodeCondition none;
  ADD_FAILURE() << "no condition " << type;
  return none;
}

TEST(NodeConditionsTest, NewConditionsInKubeletOrderWithReasons) {
  std::vector<api::NodeCondition> cs;
  setNodeConditions(cs, {true, "", ""}, {}, at(0));
  ASSERT_EQ(cs.size(), 4u);
  EXPECT_EQ(cs[0].type, "MemoryPressure");
  EXPECT_EQ(cs[1].type, "DiskPressure");
  EXPECT_EQ(cs[2].type, "PIDPressure");
  EXPECT_EQ(cs[3].type, "Ready");
  EXPECT_EQ(cs[0].status, "False");
  EXPECT_EQ(cs[0].reason, "KubeletHasSufficientMemory");
  EXPECT_EQ(cs[0].message, "kubelet has sufficient memory available");
  EXPECT_EQ(cs[1].reason, "KubeletHasNoDiskPressure");
  EXPECT_EQ(cs[1].message, "kubelet has no disk pressure");
  EXPECT_EQ(cs[2].reason, "KubeletHasSufficientPID");
  EXPECT_EQ(cs[2].message, "kubelet has sufficient PID available");
  EXPECT_EQ(cs[3].status, "True");
  EXPECT_EQ(cs[3].reason, "KubeletReady");
  EXPECT_EQ(cs[3].message, "kubelet is posting ready status");
  for (const auto& c : cs) {
    EXPECT_EQ(c.lastHeartbeatTime, at(0)) << c.type;
    EXPECT_EQ(c.lastTransitionTime, at(0)) << c.type;
  }
}

TEST(NodeConditionsTest, TransitionTimeMovesOnlyWhenTheStatusChanges) {
  std::vector<api::NodeCondition> cs;
  setNodeConditions(cs, {true, "", ""}, {}, at(0));
  setNodeConditions(cs, {true, "", ""}, {}, at(10));
  for (const auto& c : cs) {
    EXPECT_EQ(c.lastHeartbeatTime, at(10)) << c.type;
    EXPECT_EQ(c.lastTransitionTime, at(0)) << c.type;
  }

  setNodeConditions(cs, {false, "NetworkPluginNotReady", "network plugin not ready: cni"},
                    {.memory = true}, at(20));
  EXPECT_EQ(cond(cs, "Ready").status, "False");
  EXPECT_EQ(cond(cs, "Ready").reason, "KubeletNotReady");
  EXPECT_EQ(cond(cs, "Ready").message, "network plugin not ready: cni");
  EXPECT_EQ(cond(cs, "Ready").lastTransitionTime, at(20));
  EXPECT_EQ(cond(cs, "MemoryPressure").status, "True");
  EXPECT_EQ(cond(cs, "MemoryPressure").reason, "KubeletHasInsufficientMemory");
  EXPECT_EQ(cond(cs, "MemoryPressure").lastTransitionTime, at(20));
  EXPECT_EQ(cond(cs, "DiskPressure").lastTransitionTime, at(0));

  // Not ready for another reason: same status, so no transition.
  setNodeConditions(cs, {false, "", "runtime down"}, {.memory = true}, at(30));
  EXPECT_EQ(cond(cs, "Ready").message, "runtime down");
  EXPECT_EQ(cond(cs, "Ready").lastTransitionTime, at(20));
  EXPECT_EQ(cond(cs, "Ready").lastHeartbeatTime, at(30));

  setNodeConditions(cs, {false, "OnlyReason", ""}, {}, at(40));
  EXPECT_EQ(cond(cs, "Ready").message, "OnlyReason");
  EXPECT_EQ(cond(cs, "MemoryPressure").reason, "KubeletHasSufficientMemory");
  EXPECT_EQ(cond(cs, "MemoryPressure").lastTransitionTime, at(40));
}

TEST(NodeConditionsTest, OtherConditionsAreKept) {
  api::NodeCondition net;
  net.type = "NetworkUnavailable";
  net.status = "False";
  net.reason = "RouteCreated";
  net.lastTransitionTime = at(-100);
  std::vector<api::NodeCondition> cs = {net};
  setNodeConditions(cs, {true, "", ""}, {}, at(0));
  ASSERT_EQ(cs.size(), 5u);
  EXPECT_EQ(cs[0].type, "NetworkUnavailable");
  EXPECT_EQ(cs[0].reason, "RouteCreated");
  EXPECT_FALSE(cs[0].lastHeartbeatTime.has_value());
}

TEST(NodeConditionsTest, PressureThresholds) {
  const int64_t mi = 1024 * 1024;
  MemoryStats mem{8192 * mi, 200 * mi};
  FsStats fs{1000, 500, 1000, 500};
  PidStats pids{100, 1000};
  Pressure p = computePressure(mem, fs, pids);
  EXPECT_FALSE(p.memory);
  EXPECT_FALSE(p.disk);
  EXPECT_FALSE(p.pid);

  p = computePressure(MemoryStats{8192 * mi, 99 * mi}, FsStats{1000, 99, 1000, 500},
                      PidStats{901, 1000});
  EXPECT_TRUE(p.memory);
  EXPECT_TRUE(p.disk);
  EXPECT_TRUE(p.pid);

  // Exactly at the thresholds: no pressure (the signals are "less than").
  p = computePressure(MemoryStats{8192 * mi, 100 * mi}, FsStats{1000, 100, 1000, 50},
                      PidStats{900, 1000});
  EXPECT_FALSE(p.memory);
  EXPECT_FALSE(p.disk);
  EXPECT_FALSE(p.pid);

  // Inodes alone.
  EXPECT_TRUE(computePressure(mem, FsStats{1000, 500, 1000, 49}, pids).disk);
  // Unknown stats: no pressure.
  Result<MemoryStats> no_mem = Status::error(EIO, "x");
  Result<FsStats> no_fs = Status::error(EIO, "x");
  Result<PidStats> no_pids = Status::error(EIO, "x");
  p = computePressure(no_mem, no_fs, no_pids);
  EXPECT_FALSE(p.memory || p.disk || p.pid);
}

TEST(NodeConditionsTest, StatusChangeIgnoresOnlyHeartbeats) {
  api::NodeStatus a;
  setNodeConditions(a.conditions, {true, "", ""}, {}, at(0));
  a.capacity["cpu"] = api::Quantity::mustParse("2");
  api::NodeStatus b = a;
  setNodeConditions(b.conditions, {true, "", ""}, {}, at(10));
  EXPECT_FALSE(nodeStatusChanged(a, b));
  // Sub-second differences vanish in the API's representation.
  api::NodeStatus c = a;
  c.conditions[0].lastTransitionTime =
      api::Time(at(0).timePoint() + std::chrono::milliseconds(300));
  EXPECT_FALSE(nodeStatusChanged(a, c));

  b.capacity["cpu"] = api::Quantity::mustParse("4");
  EXPECT_TRUE(nodeStatusChanged(a, b));
  b = a;
  setNodeConditions(b.conditions, {false, "", "down"}, {}, at(10));
  EXPECT_TRUE(nodeStatusChanged(a, b));
  b = a;
  b.addresses.push_back({"InternalIP", "10.0.0.1", {}});
  EXPECT_TRUE(nodeStatusChanged(a, b));
  b = a;
  std::swap(b.conditions[0], b.conditions[1]);  // order alone is no change
  EXPECT_FALSE(nodeStatusChanged(a, b));
}

TEST(MergePatchTest, DiffsObjectsAndReplacesArrays) {
  api::Json from = {{"a", 1}, {"b", {{"x", 1}, {"y", 2}}}, {"c", {1, 2}}, {"gone", true}};
  api::Json to = {{"a", 1}, {"b", {{"x", 1}, {"y", 3}, {"z", 4}}}, {"c", {1, 2, 3}}};
  api::Json p = createMergePatch(from, to);
  EXPECT_EQ(p, api::Json({{"b", {{"y", 3}, {"z", 4}}}, {"c", {1, 2, 3}}, {"gone", nullptr}}));
  api::Json applied = from;
  applied.merge_patch(p);
  EXPECT_EQ(applied, to);
  EXPECT_TRUE(createMergePatch(to, to).empty());
}

}  // namespace
}  // namespace orch::agent
