#include "agent/envvars/service_env.h"

#include <gtest/gtest.h>

namespace orch::agent {
namespace {

api::Service sampleService() {
  api::Service s;
  s.metadata.namespace_ = "shop";
  s.metadata.name = "my-svc";
  s.spec.clusterIP = "10.0.0.11";
  api::ServicePort http;
  http.name = "http";
  http.port = 8080;
  http.protocol = "TCP";
  api::ServicePort dns;
  dns.name = "dns-udp";
  dns.port = 53;
  dns.protocol = "UDP";
  s.spec.ports = {http, dns};
  return s;
}

TEST(ServiceEnv, SampleServiceAsUpstream) {
  api::Service s = sampleService();
  std::vector<EnvVarValue> want = {
      {"MY_SVC_SERVICE_HOST", "10.0.0.11"},       {"MY_SVC_SERVICE_PORT", "8080"},
      {"MY_SVC_SERVICE_PORT_HTTP", "8080"},       {"MY_SVC_SERVICE_PORT_DNS_UDP", "53"},
      {"MY_SVC_PORT", "tcp://10.0.0.11:8080"},    {"MY_SVC_PORT_8080_TCP", "tcp://10.0.0.11:8080"},
      {"MY_SVC_PORT_8080_TCP_PROTO", "tcp"},      {"MY_SVC_PORT_8080_TCP_PORT", "8080"},
      {"MY_SVC_PORT_8080_TCP_ADDR", "10.0.0.11"}, {"MY_SVC_PORT_53_UDP", "udp://10.0.0.11:53"},
      {"MY_SVC_PORT_53_UDP_PROTO", "udp"},        {"MY_SVC_PORT_53_UDP_PORT", "53"},
      {"MY_SVC_PORT_53_UDP_ADDR", "10.0.0.11"},
  };
  EXPECT_EQ(serviceEnvVars({&s}), want);
}

TEST(ServiceEnv, DefaultProtocolUnnamedPortAndIPv6) {
  api::Service s;
  s.metadata.name = "v6";
  s.spec.clusterIP = "fd00::10";
  api::ServicePort p;
  p.port = 80;
  s.spec.ports = {p};
  std::vector<EnvVarValue> want = {
      {"V6_SERVICE_HOST", "fd00::10"},     {"V6_SERVICE_PORT", "80"},
      {"V6_PORT", "tcp://[fd00::10]:80"},  {"V6_PORT_80_TCP", "tcp://[fd00::10]:80"},
      {"V6_PORT_80_TCP_PROTO", "tcp"},     {"V6_PORT_80_TCP_PORT", "80"},
      {"V6_PORT_80_TCP_ADDR", "fd00::10"},
  };
  EXPECT_EQ(serviceEnvVars({&s}), want);
}

TEST(ServiceEnv, HeadlessAndIPlessServicesGiveNothing) {
  api::Service headless = sampleService();
  headless.spec.clusterIP = "None";
  api::Service external = sampleService();
  external.spec.clusterIP = "";
  EXPECT_TRUE(serviceEnvVars({&headless, &external}).empty());
}

TEST(ServiceEnv, PodServicesNamespaceAndMaster) {
  api::Service master = sampleService();
  master.metadata.namespace_ = "default";
  master.metadata.name = "kubernetes";
  master.spec.clusterIP = "10.96.0.1";
  api::Service other_default = sampleService();
  other_default.metadata.namespace_ = "default";
  other_default.metadata.name = "web";
  api::Service mine = sampleService();
  std::vector<api::Service> all = {master, other_default, mine};

  auto names = [](const std::vector<EnvVarValue>& v) {
    std::set<std::string> out;
    for (const auto& e : v) out.insert(e.name);
    return out;
  };
  auto vars = names(podServiceEnvVars(all, "shop", true));
  EXPECT_TRUE(vars.count("MY_SVC_SERVICE_HOST"));
  EXPECT_TRUE(vars.count("KUBERNETES_SERVICE_HOST"));
  EXPECT_FALSE(vars.count("WEB_SERVICE_HOST"));

  vars = names(podServiceEnvVars(all, "shop", false));
  EXPECT_FALSE(vars.count("MY_SVC_SERVICE_HOST"));
  EXPECT_TRUE(vars.count("KUBERNETES_SERVICE_HOST"));

  vars = names(podServiceEnvVars(all, "default", true));
  EXPECT_TRUE(vars.count("WEB_SERVICE_HOST"));
  EXPECT_FALSE(vars.count("MY_SVC_SERVICE_HOST"));
}

TEST(ServiceEnv, OwnNamespaceKubernetesServiceWins) {
  api::Service master = sampleService();
  master.metadata.namespace_ = "default";
  master.metadata.name = "kubernetes";
  master.spec.clusterIP = "10.96.0.1";
  api::Service own = master;
  own.metadata.namespace_ = "shop";
  own.spec.clusterIP = "10.96.7.7";
  for (auto order :
       {std::vector<api::Service>{master, own}, std::vector<api::Service>{own, master}}) {
    auto vars = podServiceEnvVars(order, "shop", true);
    ASSERT_FALSE(vars.empty());
    EXPECT_EQ(vars[0].name, "KUBERNETES_SERVICE_HOST");
    EXPECT_EQ(vars[0].value, "10.96.7.7");
  }
}

}  // namespace
}  // namespace orch::agent
