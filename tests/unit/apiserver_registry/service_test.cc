// Service ClusterIP and NodePort allocation through the API (range 10.96.0.0/28: 14 usable
// addresses, the first held by the "kubernetes" Service; node ports 30000-30009).

#include <set>

#include "tests/unit/apiserver_registry/registry_fixture.h"

namespace orch::apiserver::testing {
namespace {

const std::string kSvcs = "/api/v1/namespaces/default/services";

api::Json service(const std::string& name, const std::string& type = "ClusterIP") {
  return {{"apiVersion", "v1"},
          {"kind", "Service"},
          {"metadata", {{"name", name}}},
          {"spec", {{"type", type}, {"selector", {{"app", name}}}, {"ports", {{{"port", 80}}}}}}};
}

TEST_F(RegistryTest, ClusterIpsAreAllocatedUniquelyAndReleased) {
  std::set<std::string> ips = {"10.96.0.1"};  // the kubernetes Service's
  for (int i = 0; i < 13; ++i) {
    Answer a = post(kSvcs, service("s" + std::to_string(i)));
    ASSERT_EQ(a.status, 201) << a.text;
    std::string ip = a.body["spec"]["clusterIP"];
    EXPECT_EQ(a.body["spec"]["clusterIPs"], api::Json({ip}));
    EXPECT_EQ(a.body["spec"]["ipFamilies"], api::Json({"IPv4"}));
    EXPECT_EQ(a.body["spec"]["ports"][0]["targetPort"], 80);
    EXPECT_TRUE(ips.insert(ip).second) << ip;
    EXPECT_EQ(ip.rfind("10.96.0.", 0), 0u);
  }
  // Full: a clear 422 and nothing stored.
  Answer full = post(kSvcs, service("extra"));
  EXPECT_EQ(full.status, 422) << full.text;
  EXPECT_EQ(get(kSvcs + "/extra").status, 404);
  // Delete one, the address comes back.
  std::string freed = get(kSvcs + "/s3").body["spec"]["clusterIP"];
  ASSERT_EQ(del(kSvcs + "/s3").status, 200);
  Answer again = post(kSvcs, service("extra"));
  ASSERT_EQ(again.status, 201) << again.text;
  EXPECT_EQ(again.body["spec"]["clusterIP"], freed);
}

TEST_F(RegistryTest, RequestedClusterIpTakenOrOutsideIsRejected) {
  api::Json s = service("a");
  s["spec"]["clusterIP"] = "10.96.0.10";
  Answer a = post(kSvcs, s);
  ASSERT_EQ(a.status, 201) << a.text;
  EXPECT_EQ(a.body["spec"]["clusterIP"], "10.96.0.10");
  s["metadata"]["name"] = "b";
  Answer taken = post(kSvcs, s);
  EXPECT_EQ(taken.status, 422);
  EXPECT_NE(taken.text.find("already allocated"), std::string::npos) << taken.text;
  s["spec"]["clusterIP"] = "10.200.0.1";
  EXPECT_EQ(post(kSvcs, s).status, 422);
  s["spec"]["clusterIP"] = "None";
  Answer headless = post(kSvcs, s);
  ASSERT_EQ(headless.status, 201) << headless.text;
  EXPECT_EQ(headless.body["spec"]["clusterIPs"], api::Json({"None"}));
}

TEST_F(RegistryTest, NodePortsAllocatedKeptAndReleased) {
  Answer a = post(kSvcs, service("np", "NodePort"));
  ASSERT_EQ(a.status, 201) << a.text;
  int port = a.body["spec"]["ports"][0]["nodePort"];
  EXPECT_GE(port, 30000);
  EXPECT_LE(port, 30009);
  EXPECT_EQ(a.body["spec"]["externalTrafficPolicy"], "Cluster");
  // An update that does not name the port or IP keeps them.
  api::Json upd = a.body;
  upd["spec"]["ports"][0].erase("nodePort");
  upd["spec"].erase("clusterIP");
  upd["spec"].erase("clusterIPs");
  upd["metadata"].erase("resourceVersion");
  Answer u = put(kSvcs + "/np", upd);
  ASSERT_EQ(u.status, 200) << u.text;
  EXPECT_EQ(u.body["spec"]["ports"][0]["nodePort"], port);
  EXPECT_EQ(u.body["spec"]["clusterIP"], a.body["spec"]["clusterIP"]);
  // The same port for another service: taken.
  api::Json other = service("np2", "NodePort");
  other["spec"]["ports"][0]["nodePort"] = port;
  Answer taken = post(kSvcs, other);
  EXPECT_EQ(taken.status, 422);
  EXPECT_NE(taken.text.find("spec.ports[0].nodePort"), std::string::npos) << taken.text;
  // Back to ClusterIP releases it.
  api::Json back = u.body;
  back["spec"]["type"] = "ClusterIP";
  back["spec"]["ports"][0].erase("nodePort");
  back["spec"].erase("externalTrafficPolicy");
  back["metadata"].erase("resourceVersion");
  Answer b = put(kSvcs + "/np", back);
  ASSERT_EQ(b.status, 200) << b.text;
  EXPECT_FALSE(b.body["spec"]["ports"][0].contains("nodePort"));
  EXPECT_EQ(post(kSvcs, other).status, 201);
}

TEST_F(RegistryTest, AllocationsSurviveARestart) {
  Answer a = post(kSvcs, service("keep", "NodePort"));
  ASSERT_EQ(a.status, 201);
  restart();
  api::Json s = service("clash", "NodePort");
  s["spec"]["clusterIP"] = a.body["spec"]["clusterIP"];
  EXPECT_EQ(post(kSvcs, s).status, 422);
  s["spec"].erase("clusterIP");
  s["spec"]["ports"][0]["nodePort"] = a.body["spec"]["ports"][0]["nodePort"];
  EXPECT_EQ(post(kSvcs, s).status, 422);
}

}  // namespace
}  // namespace orch::apiserver::testing

namespace orch::apiserver::testing {
namespace {

TEST_F(RegistryTest, KubernetesServiceAndItsEndpoints) {
  Answer svc = get(kSvcs + "/kubernetes");
  ASSERT_EQ(svc.status, 200) << svc.text;
  EXPECT_EQ(svc.body["spec"]["clusterIP"], "10.96.0.1");
  EXPECT_EQ(svc.body["spec"]["ports"][0]["port"], 443);
  EXPECT_EQ(get("/api/v1/namespaces/default/endpoints/kubernetes").status, 404);  // no address
  config_.advertise_address = "192.0.2.10";
  config_.secure_port = 16443;
  restart();
  Answer ep = get("/api/v1/namespaces/default/endpoints/kubernetes");
  ASSERT_EQ(ep.status, 200) << ep.text;
  EXPECT_EQ(ep.body["subsets"][0]["addresses"][0]["ip"], "192.0.2.10");
  EXPECT_EQ(ep.body["subsets"][0]["ports"][0]["port"], 16443);
  Answer slice = get("/apis/discovery.k8s.io/v1/namespaces/default/endpointslices/kubernetes");
  ASSERT_EQ(slice.status, 200) << slice.text;
  EXPECT_EQ(slice.body["endpoints"][0]["addresses"][0], "192.0.2.10");
  // The same address again after another restart: nothing to write.
  std::string rv = ep.body["metadata"]["resourceVersion"];
  restart();
  EXPECT_EQ(
      get("/api/v1/namespaces/default/endpoints/kubernetes").body["metadata"]["resourceVersion"],
      rv);
}

}  // namespace
}  // namespace orch::apiserver::testing
