// Node registration against the fake API server: creation, and re-registration that only
// reconciles what the agent owns.

#include "agent/node/node_registrar.h"

#include <gtest/gtest.h>

#include "tests/unit/agent_node/node_fixture.h"

namespace orch::agent {
namespace {

using testing::kNodePath;

class RegistrarTest : public testing::NodeTest {
 protected:
  NodeRegistrar registrar() {
    builder_ = std::make_unique<NodeStatusBuilder>(opts_, probe_, sources_);
    return NodeRegistrar(*client_, *builder_, clock_);
  }
  std::unique_ptr<NodeStatusBuilder> builder_;
};

TEST_F(RegistrarTest, CreatesTheNodeWithLabelsTaintsCapacityAddressesAndStatus) {
  opts_.nodeLabels = {{"example.com/rack", "r7"}};
  opts_.nodeIPs = {"192.0.2.10"};
  opts_.maxPods = 50;
  api::Taint t;
  t.key = "dedicated";
  t.value = "infra";
  t.effect = "NoExecute";
  opts_.registerWithTaints = {t};
  probe_.setCpus(8);
  auto reg = registrar();
  bool created = false;
  auto node = reg.tryRegister(&created);
  ASSERT_TRUE(node.ok()) << node.status().message();
  EXPECT_TRUE(created);
  EXPECT_FALSE(node->metadata.uid.empty());

  auto stored = storedNode();
  ASSERT_TRUE(stored.has_value());
  const auto& l = stored->metadata.labels;
  EXPECT_EQ(l.at("kubernetes.io/hostname"), "node-a");
  EXPECT_EQ(l.at("kubernetes.io/os"), "linux");
  EXPECT_EQ(l.at("kubernetes.io/arch"), buildArch());
  EXPECT_EQ(l.at("beta.kubernetes.io/os"), "linux");
  EXPECT_EQ(l.at("beta.kubernetes.io/arch"), buildArch());
  EXPECT_EQ(l.at("example.com/rack"), "r7");
  ASSERT_EQ(stored->spec.taints.size(), 1u);
  EXPECT_EQ(stored->spec.taints[0].key, "dedicated");
  EXPECT_EQ(stored->spec.taints[0].value, "infra");
  EXPECT_EQ(stored->spec.taints[0].effect, "NoExecute");

  const auto& st = stored->status;
  EXPECT_EQ(st.capacity.at("cpu").toString(), "8");
  EXPECT_EQ(st.capacity.at("memory").toString(), "8Gi");
  EXPECT_EQ(st.capacity.at("pods").toString(), "50");
  EXPECT_EQ(st.capacity.at("ephemeral-storage").toString(), "100Gi");
  EXPECT_EQ(st.allocatable, st.capacity);
  ASSERT_EQ(st.addresses.size(), 2u);
  EXPECT_EQ(st.addresses[0].type, "InternalIP");
  EXPECT_EQ(st.addresses[0].address, "192.0.2.10");
  EXPECT_EQ(st.addresses[1].type, "Hostname");
  EXPECT_EQ(st.addresses[1].address, "node-a");
  EXPECT_EQ(st.nodeInfo.containerRuntimeVersion, "fake://1.0");
  EXPECT_EQ(st.nodeInfo.kubeletVersion, kAgentVersion);
  EXPECT_EQ(st.nodeInfo.machineID, "machine-1");
  EXPECT_EQ(st.daemonEndpoints.kubeletEndpoint.Port, 10250);
  ASSERT_NE(condition(*stored, "Ready"), nullptr);
  EXPECT_EQ(condition(*stored, "Ready")->status, "True");

  // The JSON the API holds uses the upstream field names.
  auto raw = server_.get(kNodePath);
  ASSERT_TRUE(raw.has_value());
  EXPECT_EQ((*raw)["status"]["daemonEndpoints"]["kubeletEndpoint"]["Port"], 10250);
  EXPECT_EQ((*raw)["metadata"]["annotations"][kAnnotationControllerManagedAttachDetach], "true");
}

TEST_F(RegistrarTest, ReRegistrationReconcilesOnlyOwnedLabels) {
  createNode({{"apiVersion", "v1"},
              {"kind", "Node"},
              {"metadata",
               {{"name", "node-a"},
                {"labels",
                 {{"kubernetes.io/hostname", "stale"},
                  {"kubernetes.io/os", "linux"},
                  {"admin.example.com/team", "db"}}}}},
              {"spec",
               {{"taints", {{{"key", "admin-taint"}, {"effect", "NoSchedule"}}}},
                {"unschedulable", true}}}});
  opts_.nodeLabels = {{"example.com/rack", "r7"}};
  api::Taint t;
  t.key = "dedicated";
  t.effect = "NoSchedule";
  opts_.registerWithTaints = {t};
  auto reg = registrar();
  bool created = true;
  auto node = reg.tryRegister(&created);
  ASSERT_TRUE(node.ok()) << node.status().message();
  EXPECT_FALSE(created);

  auto stored = storedNode();
  ASSERT_TRUE(stored.has_value());
  const auto& l = stored->metadata.labels;
  EXPECT_EQ(l.at("kubernetes.io/hostname"), "node-a");  // owned: put right
  EXPECT_EQ(l.at("kubernetes.io/arch"), buildArch());   // owned: added
  EXPECT_EQ(l.at("beta.kubernetes.io/os"), "linux");
  EXPECT_EQ(l.at("admin.example.com/team"), "db");  // someone else's: kept
  EXPECT_FALSE(l.contains("example.com/rack"));     // --node-labels: creation only
  EXPECT_EQ(stored->metadata.annotations.at(kAnnotationControllerManagedAttachDetach), "true");
  ASSERT_EQ(stored->spec.taints.size(), 1u);  // taints: creation only
  EXPECT_EQ(stored->spec.taints[0].key, "admin-taint");
  EXPECT_TRUE(stored->spec.unschedulable);

  // A second registration finds nothing to change and writes nothing.
  const int patches = server_.requestCount("PATCH");
  ASSERT_TRUE(reg.tryRegister().ok());
  EXPECT_EQ(server_.requestCount("PATCH"), patches);
}

TEST_F(RegistrarTest, ApiErrorsAreReturnedWithContext) {
  server_.injectError({.method = "POST", .target = "/api/v1/nodes", .code = 500});
  auto reg = registrar();
  auto node = reg.tryRegister();
  ASSERT_FALSE(node.ok());
  EXPECT_NE(node.status().message().find("register node node-a"), std::string::npos)
      << node.status().message();
  EXPECT_FALSE(storedNode().has_value());
  // The next attempt goes through.
  EXPECT_TRUE(reg.tryRegister().ok());
  EXPECT_TRUE(storedNode().has_value());
}

}  // namespace
}  // namespace orch::agent
