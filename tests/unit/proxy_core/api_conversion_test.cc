// The pure conversion from Services, EndpointSlices and Nodes to the service model.
#include "proxy/core/api_conversion.h"

#include <gtest/gtest.h>

#include "common/api/codec.h"

namespace orch::proxy {
namespace {

template <class T>
T parse(std::string_view json) {
  auto r = api::parse<T>(json);
  if (!r.ok()) ADD_FAILURE() << r.status().message();
  return r.ok() ? *r : T{};
}

api::Service service(std::string_view spec, std::string_view status = "{}") {
  return parse<api::Service>(std::string(R"({"metadata":{"namespace":"ns","name":"web"},"spec":)") +
                             std::string(spec) + R"(,"status":)" + std::string(status) + "}");
}

ServicePortName spn(std::string port, Protocol p = Protocol::kTcp, std::string name = "web") {
  return ServicePortName{"ns", std::move(name), std::move(port), p};
}

TEST(ServicePortsTest, ClusterIpPortsAndProtocols) {
  auto ports = servicePortsFor(service(R"({"type":"ClusterIP","clusterIP":"10.96.0.10",
      "ports":[{"name":"http","port":80,"targetPort":"web"},
               {"name":"dns","protocol":"UDP","port":53,"targetPort":53},
               {"name":"s","protocol":"SCTP","port":9,"targetPort":9},
               {"name":"bad","protocol":"ICMP","port":1}]})"),
                               IpFamily::kIpv4);
  ASSERT_EQ(ports.size(), 3u);
  const auto& http = ports.at(spn("http"));
  EXPECT_EQ(http.cluster_ip, "10.96.0.10");
  EXPECT_EQ(http.port, 80);
  EXPECT_EQ(http.node_port, 0);
  EXPECT_FALSE(http.session_affinity);
  EXPECT_FALSE(http.external_policy_local);
  EXPECT_EQ(ports.at(spn("dns", Protocol::kUdp)).port, 53);
  EXPECT_EQ(ports.at(spn("s", Protocol::kSctp)).port, 9);
  EXPECT_EQ(ports.at(spn("dns", Protocol::kUdp)).name.str(), "ns/web:dns");
  EXPECT_TRUE(servicePortsFor(service(R"({"clusterIP":"10.96.0.10","ports":[{"port":80}]})"),
                              IpFamily::kIpv6)
                  .empty());
}

TEST(ServicePortsTest, HeadlessAndExternalNameAreLeftOut) {
  EXPECT_TRUE(
      servicePortsFor(service(R"({"clusterIP":"None","ports":[{"port":80}]})"), IpFamily::kIpv4)
          .empty());
  EXPECT_TRUE(
      servicePortsFor(service(R"({"clusterIPs":["None"],"ports":[{"port":80}]})"), IpFamily::kIpv4)
          .empty());
  EXPECT_TRUE(servicePortsFor(service(R"({"ports":[{"port":80}]})"), IpFamily::kIpv4).empty());
  EXPECT_TRUE(servicePortsFor(service(R"({"type":"ExternalName","externalName":"a.example",
      "clusterIP":"10.96.0.3","ports":[{"port":80}]})"),
                              IpFamily::kIpv4)
                  .empty());
}

TEST(ServicePortsTest, DualStackGivesEachFamilyItsIps) {
  auto svc = service(R"({"type":"LoadBalancer","clusterIP":"10.96.0.10",
      "clusterIPs":["10.96.0.10","fd00:96::a"],"ipFamilies":["IPv4","IPv6"],
      "externalIPs":["192.0.2.7","2001:db8::7","bogus"],
      "loadBalancerSourceRanges":["203.0.113.0/24"," 2001:db8:1::/48"],
      "ports":[{"name":"http","port":80,"nodePort":30080}]})",
                     R"({"loadBalancer":{"ingress":[{"ip":"198.51.100.1"},
      {"ip":"2001:db8::1"},{"ip":"198.51.100.2","ipMode":"Proxy"},{"hostname":"lb.example"}]}})");
  auto v4 = servicePortsFor(svc, IpFamily::kIpv4).at(spn("http"));
  auto v6 = servicePortsFor(svc, IpFamily::kIpv6).at(spn("http"));
  EXPECT_EQ(v4.cluster_ip, "10.96.0.10");
  EXPECT_EQ(v6.cluster_ip, "fd00:96::a");
  EXPECT_EQ(v4.external_ips, std::vector<std::string>{"192.0.2.7"});
  EXPECT_EQ(v6.external_ips, std::vector<std::string>{"2001:db8::7"});
  EXPECT_EQ(v4.load_balancer_ips, std::vector<std::string>{"198.51.100.1"});
  EXPECT_EQ(v6.load_balancer_ips, std::vector<std::string>{"2001:db8::1"});
  EXPECT_EQ(v4.load_balancer_source_ranges, std::vector<std::string>{"203.0.113.0/24"});
  EXPECT_EQ(v6.load_balancer_source_ranges, std::vector<std::string>{"2001:db8:1::/48"});
  EXPECT_EQ(v4.node_port, 30080);
  EXPECT_EQ(v6.node_port, 30080);
}

TEST(ServicePortsTest, SingleStackIpv6) {
  auto ports = servicePortsFor(
      service(
          R"({"clusterIP":"fd00:96::0010","clusterIPs":["fd00:96::0010"],"ports":[{"port":80}]})"),
      IpFamily::kIpv6);
  ASSERT_EQ(ports.size(), 1u);
  EXPECT_EQ(ports.begin()->second.cluster_ip, "fd00:96::10");  // canonical text
  EXPECT_EQ(ports.begin()->first.port, "");
}

TEST(ServicePortsTest, AffinityAndPolicies) {
  auto p = servicePortsFor(service(R"({"type":"LoadBalancer","clusterIP":"10.96.0.10",
      "sessionAffinity":"ClientIP","sessionAffinityConfig":{"clientIP":{"timeoutSeconds":60}},
      "externalTrafficPolicy":"Local","internalTrafficPolicy":"Local","healthCheckNodePort":31000,
      "ports":[{"port":80,"nodePort":30080}]})"),
                           IpFamily::kIpv4)
               .at(spn(""));
  EXPECT_TRUE(p.session_affinity);
  EXPECT_EQ(p.affinity_timeout_s, 60u);
  EXPECT_TRUE(p.external_policy_local);
  EXPECT_TRUE(p.internal_policy_local);
  EXPECT_EQ(p.health_check_node_port, 31000);

  // Default timeout; Local external policy means nothing for a ClusterIP Service without
  // external IPs, and only LoadBalancer Services have a health check port.
  auto c = servicePortsFor(service(R"({"clusterIP":"10.96.0.10","sessionAffinity":"ClientIP",
      "externalTrafficPolicy":"Local","healthCheckNodePort":31000,"ports":[{"port":80}]})"),
                           IpFamily::kIpv4)
               .at(spn(""));
  EXPECT_EQ(c.affinity_timeout_s, 10800u);
  EXPECT_FALSE(c.external_policy_local);
  EXPECT_EQ(c.health_check_node_port, 0);
  auto np = servicePortsFor(service(R"({"type":"NodePort","clusterIP":"10.96.0.10",
      "externalTrafficPolicy":"Local","ports":[{"port":80,"nodePort":30080}]})"),
                            IpFamily::kIpv4)
                .at(spn(""));
  EXPECT_TRUE(np.external_policy_local);
  EXPECT_EQ(np.health_check_node_port, 0);
  auto ext = servicePortsFor(service(R"({"clusterIP":"10.96.0.10","externalIPs":["192.0.2.9"],
      "externalTrafficPolicy":"Local","ports":[{"port":80}]})"),
                             IpFamily::kIpv4)
                 .at(spn(""));
  EXPECT_TRUE(ext.external_policy_local);
}

api::EndpointSlice slice(std::string_view name, std::string_view body,
                         std::string_view service = "web") {
  return parse<api::EndpointSlice>(std::string(R"({"metadata":{"namespace":"ns","name":")") +
                                   std::string(name) +
                                   R"(","labels":{"kubernetes.io/service-name":")" +
                                   std::string(service) + R"("}},)" + std::string(body) + "}");
}

TEST(EndpointSlicesTest, ServiceKeyFromLabelAndAddressType) {
  EXPECT_EQ(sliceServiceKey(slice("a", R"("addressType":"IPv4")")), (ServiceKey{"ns", "web"}));
  EXPECT_FALSE(sliceServiceKey(slice("a", R"("addressType":"FQDN")")).has_value());
  EXPECT_FALSE(
      sliceServiceKey(parse<api::EndpointSlice>(
                          R"({"metadata":{"namespace":"ns","name":"x"},"addressType":"IPv4"})"))
          .has_value());
}

TEST(EndpointSlicesTest, NamedTargetPortResolvesPerSlice) {
  // Two slices of one Service whose pods name port "http" differently (8080 and 9090): the
  // Service port "http" gets each slice's number for that slice's endpoints.
  auto a = slice("web-a", R"("addressType":"IPv4",
      "ports":[{"name":"http","protocol":"TCP","port":8080}],
      "endpoints":[{"addresses":["10.0.0.1"],"nodeName":"node-1"}])");
  auto b = slice("web-b", R"("addressType":"IPv4",
      "ports":[{"name":"http","protocol":"TCP","port":9090}],
      "endpoints":[{"addresses":["10.0.0.2"],"nodeName":"node-2"}])");
  auto eps = endpointsFromSlices({&a, &b}, IpFamily::kIpv4, "node-1");
  ASSERT_EQ(eps.size(), 1u);
  const auto& list = eps.at(spn("http"));
  ASSERT_EQ(list.size(), 2u);
  EXPECT_EQ(list[0].ip, "10.0.0.1");
  EXPECT_EQ(list[0].port, 8080);
  EXPECT_TRUE(list[0].is_local);
  EXPECT_EQ(list[0].node_name, "node-1");
  EXPECT_EQ(list[1].ip, "10.0.0.2");
  EXPECT_EQ(list[1].port, 9090);
  EXPECT_FALSE(list[1].is_local);
}

TEST(EndpointSlicesTest, PortsMatchByNameAndProtocol) {
  auto s = slice("web-a", R"("addressType":"IPv4",
      "ports":[{"name":"dns","protocol":"UDP","port":5353},{"name":"dns","protocol":"TCP","port":5354},
               {"name":"","port":80},{"port":81},{"name":"zero","port":0},{"name":"noport"},
               {"name":"dflt","port":82}],
      "endpoints":[{"addresses":["10.0.0.1"]}])");
  auto eps = endpointsFromSlices({&s}, IpFamily::kIpv4, "n");
  EXPECT_EQ(eps.at(spn("dns", Protocol::kUdp)).at(0).port, 5353);
  EXPECT_EQ(eps.at(spn("dns", Protocol::kTcp)).at(0).port, 5354);
  EXPECT_EQ(eps.at(spn("")).at(0).port, 80);      // the unnamed Service port
  EXPECT_EQ(eps.at(spn("dflt")).at(0).port, 82);  // protocol defaults to TCP
  EXPECT_EQ(eps.count(spn("zero")), 0u);
  EXPECT_EQ(eps.count(spn("noport")), 0u);
  EXPECT_EQ(eps.size(), 4u);  // the port with no name field is ignored, as kube-proxy
}

TEST(EndpointSlicesTest, ConditionDefaultsFollowDiscoveryV1) {
  auto s = slice("web-a", R"("addressType":"IPv4","ports":[{"name":"","port":80}],
      "endpoints":[
        {"addresses":["10.0.0.1"]},
        {"addresses":["10.0.0.2"],"conditions":{"ready":false}},
        {"addresses":["10.0.0.3"],"conditions":{"ready":false,"serving":true,"terminating":true}},
        {"addresses":["10.0.0.4"],"conditions":{"ready":false,"serving":false,"terminating":true}},
        {"addresses":["10.0.0.5"],"conditions":{"terminating":true}}])");
  auto list = endpointsFromSlices({&s}, IpFamily::kIpv4, "n").at(spn(""));
  ASSERT_EQ(list.size(), 5u);
  auto cond = [](const EndpointInfo& e) {
    return std::string(e.ready ? "R" : "-") + (e.serving ? "S" : "-") + (e.terminating ? "T" : "-");
  };
  EXPECT_EQ(cond(list[0]), "RS-");  // all nil: ready, serving, not terminating
  EXPECT_EQ(cond(list[1]), "-S-");  // serving nil is true whatever ready says
  EXPECT_EQ(cond(list[2]), "-ST");
  EXPECT_EQ(cond(list[3]), "--T");
  EXPECT_EQ(cond(list[4]), "RST");  // nil ready reads as true even when terminating (kube-proxy)
}

TEST(EndpointSlicesTest, FamiliesDuplicatesAndBadAddresses) {
  auto v4 = slice("web-a", R"("addressType":"IPv4","ports":[{"name":"","port":80}],
      "endpoints":[{"addresses":["10.0.0.9"]},{"addresses":["10.0.0.1"],"nodeName":"other"},
                   {"addresses":[]},{"addresses":["not-an-ip"]},{"addresses":["fd00::1"]}])");
  auto v4b = slice("web-b", R"("addressType":"IPv4","ports":[{"name":"","port":80}],
      "endpoints":[{"addresses":["10.0.0.1"],"nodeName":"me","zone":"z",
                    "hints":{"forZones":[{"name":"z"}]}}])");
  auto v6 = slice("web-c", R"("addressType":"IPv6","ports":[{"name":"","port":80}],
      "endpoints":[{"addresses":["fd00::0001"]}])");
  auto eps4 = endpointsFromSlices({&v4, &v4b, &v6}, IpFamily::kIpv4, "me").at(spn(""));
  ASSERT_EQ(eps4.size(), 2u);
  EXPECT_EQ(eps4[0].ip, "10.0.0.1");
  EXPECT_TRUE(eps4[0].is_local);  // the local copy of a duplicate wins
  EXPECT_EQ(eps4[0].zone_hints, std::set<std::string>{"z"});
  EXPECT_EQ(eps4[1].ip, "10.0.0.9");
  auto eps6 = endpointsFromSlices({&v4, &v4b, &v6}, IpFamily::kIpv6, "me").at(spn(""));
  ASSERT_EQ(eps6.size(), 1u);
  EXPECT_EQ(eps6[0].ip, "fd00::1");
}

api::Node node(std::string_view addresses, std::string_view extra = "") {
  return parse<api::Node>(std::string(R"({"metadata":{"name":"me","labels":{"zone":"a"})") +
                          std::string(extra) + R"(},"status":{"addresses":)" +
                          std::string(addresses) + "}}");
}

TEST(NodeInfoTest, NodePortAddresses) {
  auto n =
      node(R"([{"type":"Hostname","address":"me"},{"type":"ExternalIP","address":"203.0.113.5"},
      {"type":"InternalIP","address":"192.0.2.1"},{"type":"InternalIP","address":"fd00::1"}])");
  std::vector<std::string> local = {"127.0.0.1", "192.0.2.1", "10.1.0.1", "fd00::1", "::1"};

  NodeInfo all = nodeInfoFor(&n, "me", IpFamily::kIpv4, {}, local);
  EXPECT_TRUE(all.node_port_all_local);
  EXPECT_TRUE(all.node_port_ips.empty());
  EXPECT_EQ(all.name, "me");
  EXPECT_EQ(all.labels.at("zone"), "a");

  NodeInfo cidr = nodeInfoFor(&n, "me", IpFamily::kIpv4,
                              {false, {"192.0.2.0/24", "10.0.0.0/8", "fd00::/8"}}, local);
  EXPECT_FALSE(cidr.node_port_all_local);
  EXPECT_EQ(cidr.node_port_ips, (std::vector<std::string>{"10.1.0.1", "192.0.2.1"}));
  // No CIDR of the family: every local address, as kube-proxy.
  NodeInfo v6 = nodeInfoFor(&n, "me", IpFamily::kIpv6, {false, {"192.0.2.0/24"}}, local);
  EXPECT_TRUE(v6.node_port_all_local);
  EXPECT_TRUE(
      nodeInfoFor(&n, "me", IpFamily::kIpv4, {false, {"0.0.0.0/0"}}, local).node_port_all_local);

  NodeInfo primary = nodeInfoFor(&n, "me", IpFamily::kIpv4, {true, {}}, local);
  EXPECT_FALSE(primary.node_port_all_local);
  EXPECT_EQ(primary.node_port_ips, std::vector<std::string>{"192.0.2.1"});
  EXPECT_EQ(nodeInfoFor(&n, "me", IpFamily::kIpv6, {true, {}}, local).node_port_ips,
            std::vector<std::string>{"fd00::1"});
  // Primary without a Node yet: every local address until it is known.
  EXPECT_TRUE(nodeInfoFor(nullptr, "me", IpFamily::kIpv4, {true, {}}, local).node_port_all_local);
}

TEST(NodeInfoTest, PrimaryIpPrefersInternal) {
  auto n = node(
      R"([{"type":"ExternalIP","address":"203.0.113.5"},{"type":"InternalIP","address":"192.0.2.1"}])");
  EXPECT_EQ(nodePrimaryIp(n, IpFamily::kIpv4), "192.0.2.1");
  auto e = node(R"([{"type":"ExternalIP","address":"203.0.113.5"}])");
  EXPECT_EQ(nodePrimaryIp(e, IpFamily::kIpv4), "203.0.113.5");
  EXPECT_EQ(nodePrimaryIp(e, IpFamily::kIpv6), "");
}

TEST(NodeInfoTest, Terminating) {
  EXPECT_FALSE(nodeTerminating(node("[]")));
  EXPECT_TRUE(nodeTerminating(node("[]", R"(,"deletionTimestamp":"2024-01-01T00:00:00Z")")));
  auto tainted = parse<api::Node>(
      R"({"metadata":{"name":"me"},"spec":{"taints":[{"key":"ToBeDeletedByClusterAutoscaler","effect":"NoSchedule"}]}})");
  EXPECT_TRUE(nodeTerminating(tainted));
}

TEST(HelpersTest, FamiliesAndProtocols) {
  EXPECT_EQ(ipFamilyOf("10.0.0.1"), IpFamily::kIpv4);
  EXPECT_EQ(ipFamilyOf("fd00::1"), IpFamily::kIpv6);
  EXPECT_FALSE(ipFamilyOf("10.0.0.1/8").has_value());
  EXPECT_EQ(cidrFamilyOf("fd00::/64"), IpFamily::kIpv6);
  EXPECT_FALSE(cidrFamilyOf("10.0.0.1").has_value());
  EXPECT_EQ(parseProtocol(""), Protocol::kTcp);
  EXPECT_EQ(parseProtocol("SCTP"), Protocol::kSctp);
  EXPECT_FALSE(parseProtocol("tcp").has_value());
}

}  // namespace
}  // namespace orch::proxy
