// pods/log: container choice, the node's kubelet address, and errors before any proxying.
#include <gtest/gtest.h>

#include "controlplane/apiserver/registry/pod_log_proxy.h"
#include "tests/support/daemon.h"
#include "tests/unit/apiserver_registry/registry_fixture.h"

namespace orch::apiserver::testing {
namespace {

api::Json podWith(std::vector<std::string> containers, std::vector<std::string> init = {}) {
  api::Json pod = {{"metadata", {{"name", "web"}}}, {"spec", {{"containers", api::Json::array()}}}};
  for (const auto& c : containers)
    pod["spec"]["containers"].push_back({{"name", c}, {"image", "busybox"}});
  for (const auto& c : init)
    pod["spec"]["initContainers"].push_back({{"name", c}, {"image", "busybox"}});
  return pod;
}

TEST(PodLogContainer, TheOnlyContainerOrTheNamedOne) {
  EXPECT_EQ(*logContainerOf(podWith({"app"}), ""), "app");
  EXPECT_EQ(*logContainerOf(podWith({"app", "side"}, {"setup"}), "setup"), "setup");
  auto none = logContainerOf(podWith({"app", "side"}, {"setup"}), "");
  ASSERT_FALSE(none.ok());
  EXPECT_EQ(none.error().status.code, 400);
  EXPECT_EQ(none.error().status.message,
            "a container name must be specified for pod web, choose one of: [app side] or one of "
            "the init containers: [setup]");
  auto bad = logContainerOf(podWith({"app"}), "nope");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().status.message, "container nope is not valid for pod web");
}

TEST(PodLogKubeletUrl, InternalIpAndDaemonEndpointPort) {
  api::Json node = {{"metadata", {{"name", "n1"}}},
                    {"status",
                     {{"addresses",
                       {{{"type", "Hostname"}, {"address", "n1"}},
                        {{"type", "InternalIP"}, {"address", "10.0.0.5"}}}},
                      {"daemonEndpoints", {{"kubeletEndpoint", {{"Port", 10555}}}}}}}};
  EXPECT_EQ(*kubeletUrlOf(node), "https://10.0.0.5:10555");
  node["status"]["addresses"] = {{{"type", "InternalIP"}, {"address", "fd00::5"}}};
  node["status"].erase("daemonEndpoints");
  EXPECT_EQ(*kubeletUrlOf(node), "https://[fd00::5]:10250");
  node["status"]["addresses"] = api::Json::array();
  EXPECT_FALSE(kubeletUrlOf(node).ok());
}

TEST_F(RegistryTest, PodLogNeedsAScheduledPodAndAReachableAgent) {
  ASSERT_EQ(post("/api/v1/namespaces/default/pods",
                 {{"apiVersion", "v1"},
                  {"kind", "Pod"},
                  {"metadata", {{"name", "web"}}},
                  {"spec", {{"containers", {{{"name", "app"}, {"image", "busybox"}}}}}}})
                .status,
            201);
  auto unscheduled = get("/api/v1/namespaces/default/pods/web/log");
  EXPECT_EQ(unscheduled.status, 400);
  EXPECT_EQ(unscheduled.body.value("message", ""), "pod web does not have a host assigned");
  EXPECT_EQ(get("/api/v1/namespaces/default/pods/nope/log").status, 404);

  // A node whose agent port is closed: the proxy reports the failure, naming the node.
  int port = orch::testing::freeTcpPort();
  ASSERT_EQ(post("/api/v1/nodes",
                 {{"apiVersion", "v1"}, {"kind", "Node"}, {"metadata", {{"name", "n1"}}}})
                .status,
            201);
  auto node = get("/api/v1/nodes/n1").body;
  node["status"] = {{"addresses", {{{"type", "InternalIP"}, {"address", "127.0.0.1"}}}},
                    {"daemonEndpoints", {{"kubeletEndpoint", {{"Port", port}}}}}};
  ASSERT_EQ(put("/api/v1/nodes/n1/status", node).status, 200);
  ASSERT_EQ(post("/api/v1/namespaces/default/pods/web/binding",
                 {{"apiVersion", "v1"},
                  {"kind", "Binding"},
                  {"metadata", {{"name", "web"}}},
                  {"target", {{"kind", "Node"}, {"name", "n1"}}}})
                .status,
            201);
  auto unreachable = get("/api/v1/namespaces/default/pods/web/log");
  EXPECT_EQ(unreachable.status, 500);
  EXPECT_NE(unreachable.body.value("message", "").find("node n1"), std::string::npos)
      << unreachable.body.dump();
}

}  // namespace
}  // namespace orch::apiserver::testing
