// ProxyStateTracker: events in, per-family ProxyState and change sets out.
#include "proxy/core/change_tracker.h"

#include <gtest/gtest.h>

#include "common/api/codec.h"

namespace orch::proxy {
namespace {

template <class T>
T parse(const std::string& json) {
  auto r = api::parse<T>(json);
  if (!r.ok()) ADD_FAILURE() << r.status().message() << "\n" << json;
  return r.ok() ? *r : T{};
}

api::Service svc(const std::string& name, const std::string& spec) {
  return parse<api::Service>(R"({"metadata":{"namespace":"ns","name":")" + name + R"("},"spec":)" +
                             spec + "}");
}

api::EndpointSlice slice(const std::string& name, const std::string& service,
                         const std::string& body) {
  return parse<api::EndpointSlice>(R"({"metadata":{"namespace":"ns","name":")" + name +
                                   R"(","labels":{"kubernetes.io/service-name":")" + service +
                                   R"("}},)" + body + "}");
}

ServicePortName spn(const std::string& name, const std::string& port = "http",
                    Protocol p = Protocol::kTcp) {
  return ServicePortName{"ns", name, port, p};
}

TrackerOptions v4Options() {
  TrackerOptions o;
  o.hostname = "me";
  o.families = {IpFamily::kIpv4};
  o.cluster_cidrs = {"10.244.0.0/16", "fd00:244::/56"};
  o.masquerade_all = true;
  return o;
}

const std::string kWeb =
    R"({"clusterIP":"10.96.0.10","ports":[{"name":"http","port":80,"targetPort":"http"}]})";
const std::string kWebSlice = R"("addressType":"IPv4","ports":[{"name":"http","port":8080}],
    "endpoints":[{"addresses":["10.244.0.5"],"nodeName":"me"},{"addresses":["10.244.1.5"],"nodeName":"other"}])";

TEST(ChangeTrackerTest, FirstSnapshotIsFullAndCarriesConfig) {
  ProxyStateTracker t(v4Options());
  auto s = t.snapshot(IpFamily::kIpv4);
  EXPECT_TRUE(s.changes.full);
  EXPECT_TRUE(s.state.services.empty());
  EXPECT_EQ(s.state.config.family, IpFamily::kIpv4);
  EXPECT_EQ(s.state.config.cluster_cidrs, std::vector<std::string>{"10.244.0.0/16"});
  EXPECT_TRUE(s.state.config.masquerade_all);
  EXPECT_EQ(s.state.config.hostname, "me");
  EXPECT_EQ(s.state.node.name, "me");
  EXPECT_FALSE(t.hasPendingChanges(IpFamily::kIpv4));
  EXPECT_FALSE(t.snapshot(IpFamily::kIpv4).changes.full);
}

TEST(ChangeTrackerTest, ServiceThenSliceThenDeletes) {
  ProxyStateTracker t(v4Options());
  (void)t.snapshot(IpFamily::kIpv4);

  EXPECT_TRUE(t.onService(svc("web", kWeb)));
  auto s = t.snapshot(IpFamily::kIpv4);
  EXPECT_FALSE(s.changes.full);
  EXPECT_EQ(s.changes.services, std::set<ServicePortName>{spn("web")});
  ASSERT_EQ(s.state.services.count(spn("web")), 1u);
  EXPECT_EQ(s.state.endpoints.count(spn("web")), 0u);  // no slice yet

  EXPECT_TRUE(t.onSlice(slice("web-1", "web", kWebSlice)));
  s = t.snapshot(IpFamily::kIpv4);
  EXPECT_EQ(s.changes.services, std::set<ServicePortName>{spn("web")});
  ASSERT_EQ(s.state.endpoints.at(spn("web")).size(), 2u);
  EXPECT_EQ(s.state.endpoints.at(spn("web"))[0].port, 8080);
  EXPECT_TRUE(s.state.endpoints.at(spn("web"))[0].is_local);

  // The same objects again (an informer resync) change nothing.
  EXPECT_FALSE(t.onService(svc("web", kWeb)));
  EXPECT_FALSE(t.onSlice(slice("web-1", "web", kWebSlice)));
  EXPECT_FALSE(t.hasPendingChanges(IpFamily::kIpv4));

  EXPECT_TRUE(t.onSliceDeleted(slice("web-1", "web", kWebSlice)));
  s = t.snapshot(IpFamily::kIpv4);
  EXPECT_EQ(s.changes.services, std::set<ServicePortName>{spn("web")});
  EXPECT_EQ(s.state.endpoints.count(spn("web")), 0u);

  EXPECT_TRUE(t.onServiceDeleted(svc("web", kWeb)));
  s = t.snapshot(IpFamily::kIpv4);
  EXPECT_EQ(s.changes.services, std::set<ServicePortName>{spn("web")});
  EXPECT_TRUE(s.state.services.empty());
}

TEST(ChangeTrackerTest, SliceBeforeServiceAndEndpointsOnlyForServicePorts) {
  ProxyStateTracker t(v4Options());
  (void)t.snapshot(IpFamily::kIpv4);
  EXPECT_FALSE(t.onSlice(slice("web-1", "web", kWebSlice)));  // no Service: nothing proxied
  EXPECT_TRUE(t.onService(svc("web", kWeb)));
  auto s = t.snapshot(IpFamily::kIpv4);
  EXPECT_EQ(s.state.endpoints.at(spn("web")).size(), 2u);
  // A slice port the Service does not have is not kept.
  EXPECT_FALSE(t.onSlice(slice("web-2", "web", R"("addressType":"IPv4",
      "ports":[{"name":"metrics","port":9100}],"endpoints":[{"addresses":["10.244.0.5"]}])")));
  EXPECT_EQ(t.snapshot(IpFamily::kIpv4).state.endpoints.size(), 1u);
}

TEST(ChangeTrackerTest, OnlyTheChangedPortIsReported) {
  ProxyStateTracker t(v4Options());
  t.onService(svc("web", R"({"clusterIP":"10.96.0.10","ports":[{"name":"http","port":80},
      {"name":"dns","protocol":"UDP","port":53}]})"));
  t.onService(svc("other", kWeb));
  (void)t.snapshot(IpFamily::kIpv4);
  EXPECT_TRUE(t.onSlice(slice("web-1", "web", R"("addressType":"IPv4",
      "ports":[{"name":"dns","protocol":"UDP","port":5353}],"endpoints":[{"addresses":["10.244.0.9"]}])")));
  auto s = t.snapshot(IpFamily::kIpv4);
  EXPECT_EQ(s.changes.services, std::set<ServicePortName>{spn("web", "dns", Protocol::kUdp)});
  EXPECT_EQ(s.state.services.size(), 3u);

  // Removing one port of a Service reports just that port.
  EXPECT_TRUE(
      t.onService(svc("web", R"({"clusterIP":"10.96.0.10","ports":[{"name":"http","port":80}]})")));
  s = t.snapshot(IpFamily::kIpv4);
  EXPECT_EQ(s.changes.services, std::set<ServicePortName>{spn("web", "dns", Protocol::kUdp)});
  EXPECT_EQ(s.state.endpoints.count(spn("web", "dns", Protocol::kUdp)), 0u);
  // Changes accumulate until taken.
  EXPECT_TRUE(t.onServiceDeleted(svc("other", kWeb)));
  EXPECT_TRUE(t.onServiceDeleted(svc("web", kWeb)));
  s = t.snapshot(IpFamily::kIpv4);
  EXPECT_EQ(s.changes.services, (std::set<ServicePortName>{spn("other"), spn("web")}));
  EXPECT_TRUE(s.state.services.empty());
}

TEST(ChangeTrackerTest, EndpointConditionChangeIsAChange) {
  ProxyStateTracker t(v4Options());
  t.onService(svc("web", kWeb));
  t.onSlice(slice("web-1", "web", kWebSlice));
  (void)t.snapshot(IpFamily::kIpv4);
  EXPECT_TRUE(
      t.onSlice(slice("web-1", "web", R"("addressType":"IPv4","ports":[{"name":"http","port":8080}],
    "endpoints":[{"addresses":["10.244.0.5"],"nodeName":"me","conditions":{"ready":false,"terminating":true}},
                 {"addresses":["10.244.1.5"],"nodeName":"other"}])")));
  auto s = t.snapshot(IpFamily::kIpv4);
  EXPECT_EQ(s.changes.services.size(), 1u);
  EXPECT_FALSE(s.state.endpoints.at(spn("web"))[0].ready);
  EXPECT_TRUE(s.state.endpoints.at(spn("web"))[0].terminating);
}

TEST(ChangeTrackerTest, SlicesMergeAndRelabelMoves) {
  ProxyStateTracker t(v4Options());
  t.onService(svc("web", kWeb));
  t.onService(svc("api", kWeb));
  t.onSlice(slice("s1", "web", kWebSlice));
  t.onSlice(slice("s2", "web", R"("addressType":"IPv4","ports":[{"name":"http","port":8080}],
      "endpoints":[{"addresses":["10.244.2.5"]}])"));
  auto s = t.snapshot(IpFamily::kIpv4);
  EXPECT_EQ(s.state.endpoints.at(spn("web")).size(), 3u);
  // s2 now belongs to "api": both Services change.
  EXPECT_TRUE(
      t.onSlice(slice("s2", "api", R"("addressType":"IPv4","ports":[{"name":"http","port":8080}],
      "endpoints":[{"addresses":["10.244.2.5"]}])")));
  s = t.snapshot(IpFamily::kIpv4);
  EXPECT_EQ(s.changes.services, (std::set<ServicePortName>{spn("api"), spn("web")}));
  EXPECT_EQ(s.state.endpoints.at(spn("web")).size(), 2u);
  EXPECT_EQ(s.state.endpoints.at(spn("api")).size(), 1u);
  // Deleting a slice that was never filed (no label) is nothing.
  EXPECT_FALSE(t.onSliceDeleted(parse<api::EndpointSlice>(
      R"({"metadata":{"namespace":"ns","name":"x"},"addressType":"IPv4"})")));
}

TEST(ChangeTrackerTest, DualStackKeepsTwoStates) {
  TrackerOptions o = v4Options();
  o.families = {IpFamily::kIpv4, IpFamily::kIpv6};
  ProxyStateTracker t(o);
  (void)t.snapshot(IpFamily::kIpv4);
  (void)t.snapshot(IpFamily::kIpv6);
  EXPECT_TRUE(
      t.onService(svc("web", R"({"clusterIP":"10.96.0.10","clusterIPs":["10.96.0.10","fd00:96::a"],
      "ipFamilies":["IPv4","IPv6"],"ports":[{"name":"http","port":80}]})")));
  EXPECT_TRUE(t.onSlice(
      slice("web-v6", "web", R"("addressType":"IPv6","ports":[{"name":"http","port":8080}],
      "endpoints":[{"addresses":["fd00:244::5"],"nodeName":"me"}])")));
  auto s4 = t.snapshot(IpFamily::kIpv4);
  auto s6 = t.snapshot(IpFamily::kIpv6);
  EXPECT_EQ(s4.state.services.at(spn("web")).cluster_ip, "10.96.0.10");
  EXPECT_EQ(s6.state.services.at(spn("web")).cluster_ip, "fd00:96::a");
  EXPECT_EQ(s4.state.endpoints.count(spn("web")), 0u);
  EXPECT_EQ(s6.state.endpoints.at(spn("web")).at(0).ip, "fd00:244::5");
  EXPECT_EQ(s6.state.config.cluster_cidrs, std::vector<std::string>{"fd00:244::/56"});
  EXPECT_EQ(s4.changes.services.size(), 1u);
  EXPECT_EQ(s6.changes.services.size(), 1u);
  // An IPv4 slice changes only the IPv4 state.
  EXPECT_TRUE(t.onSlice(slice("web-v4", "web", kWebSlice)));
  EXPECT_TRUE(t.hasPendingChanges(IpFamily::kIpv4));
  EXPECT_FALSE(t.hasPendingChanges(IpFamily::kIpv6));
}

TEST(ChangeTrackerTest, NodeChangesMakeTheNextSyncFull) {
  TrackerOptions o = v4Options();
  o.node_port_addresses.primary = true;
  ProxyStateTracker t(o);
  (void)t.snapshot(IpFamily::kIpv4);
  auto node = parse<api::Node>(
      R"({"metadata":{"name":"me"},"status":{"addresses":[{"type":"InternalIP","address":"192.0.2.1"}]}})");
  EXPECT_TRUE(t.onNode(node));
  auto s = t.snapshot(IpFamily::kIpv4);
  EXPECT_TRUE(s.changes.full);
  EXPECT_EQ(s.state.node.node_port_ips, std::vector<std::string>{"192.0.2.1"});
  EXPECT_FALSE(t.onNode(node));  // same node: nothing
  ASSERT_TRUE(t.node().has_value());
  EXPECT_TRUE(t.onNodeDeleted());
  EXPECT_TRUE(t.snapshot(IpFamily::kIpv4).state.node.node_port_all_local);
  t.markFull(IpFamily::kIpv4);
  EXPECT_TRUE(t.snapshot(IpFamily::kIpv4).changes.full);
}

TEST(ChangeTrackerTest, LocalIpsDecideCidrNodePorts) {
  TrackerOptions o = v4Options();
  o.node_port_addresses.cidrs = {"192.0.2.0/24"};
  o.local_ips = {"192.0.2.1", "10.0.0.1"};
  ProxyStateTracker t(o);
  EXPECT_EQ(t.snapshot(IpFamily::kIpv4).state.node.node_port_ips,
            std::vector<std::string>{"192.0.2.1"});
  EXPECT_TRUE(t.setLocalIps({"192.0.2.1", "192.0.2.2"}));
  auto s = t.snapshot(IpFamily::kIpv4);
  EXPECT_TRUE(s.changes.full);
  EXPECT_EQ(s.state.node.node_port_ips, (std::vector<std::string>{"192.0.2.1", "192.0.2.2"}));
}

TEST(ChangeTrackerTest, HealthCheckPortsAndLocalReadyEndpoints) {
  TrackerOptions o = v4Options();
  o.families = {IpFamily::kIpv4, IpFamily::kIpv6};
  ProxyStateTracker t(o);
  t.onService(svc("lb", R"({"type":"LoadBalancer","clusterIPs":["10.96.0.20","fd00:96::20"],
      "externalTrafficPolicy":"Local","healthCheckNodePort":32000,
      "ports":[{"name":"http","port":80,"nodePort":30080},{"name":"https","port":443,"nodePort":30443}]})"));
  t.onService(svc("web", kWeb));
  t.onSlice(slice("lb-1", "lb", R"("addressType":"IPv4",
      "ports":[{"name":"http","port":8080},{"name":"https","port":8443}],
      "endpoints":[{"addresses":["10.244.0.5"],"nodeName":"me"},
                   {"addresses":["10.244.0.6"],"nodeName":"me","conditions":{"ready":false}},
                   {"addresses":["10.244.1.5"],"nodeName":"other"}])"));
  t.onSlice(slice("lb-2", "lb", R"("addressType":"IPv6","ports":[{"name":"http","port":8080}],
      "endpoints":[{"addresses":["fd00:244::5"],"nodeName":"me"}])"));
  EXPECT_EQ(t.healthCheckNodePorts(), (std::map<ServiceKey, uint16_t>{{{"ns", "lb"}, 32000}}));
  // 10.244.0.5 (counted once over both ports) and fd00:244::5.
  EXPECT_EQ(t.localReadyEndpoints(), (std::map<ServiceKey, int>{{{"ns", "lb"}, 2}}));
}

}  // namespace
}  // namespace orch::proxy
