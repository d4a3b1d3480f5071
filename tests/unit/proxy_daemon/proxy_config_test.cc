// orch-proxy's flags, value syntaxes and KubeProxyConfiguration file.
#include <gtest/gtest.h>

#include "proxy/daemon/conntrack_sysctls.h"
#include "proxy/daemon/proxy_config.h"
#include "proxy/daemon/proxy_config_file.h"
#include "proxy/daemon/value_parsers.h"
#include "tests/support/temp_dir.h"

namespace orch::proxy {
namespace {

using namespace std::chrono_literals;

TEST(ValueParsersTest, GoDurations) {
  EXPECT_EQ(*parseGoDuration("1s"), 1s);
  EXPECT_EQ(*parseGoDuration("1m30s"), 90s);
  EXPECT_EQ(*parseGoDuration("1.5h"), 90min);
  EXPECT_EQ(*parseGoDuration("300ms"), 300ms);
  EXPECT_EQ(*parseGoDuration("2us"), 2us);
  EXPECT_EQ(*parseGoDuration("0"), 0s);
  for (const char* bad : {"", "1", "1x", "-1s", "s", "1..2s", "1s2"}) {
    auto d = parseGoDuration(bad);
    EXPECT_FALSE(d.ok()) << bad;
    if (!d.ok()) {
      EXPECT_EQ(d.status().code(), EINVAL);
    }
  }
}

TEST(ValueParsersTest, BindAddresses) {
  EXPECT_EQ(**parseBindAddress("0.0.0.0:10256", 1), (BindAddress{"0.0.0.0", 10256}));
  EXPECT_EQ(**parseBindAddress("127.0.0.1", 10249), (BindAddress{"127.0.0.1", 10249}));
  EXPECT_EQ(**parseBindAddress(":9000", 1), (BindAddress{"0.0.0.0", 9000}));
  EXPECT_EQ(**parseBindAddress("[::1]:9000", 1), (BindAddress{"::1", 9000}));
  EXPECT_EQ(**parseBindAddress("::", 10256), (BindAddress{"::", 10256}));
  EXPECT_EQ((BindAddress{"::1", 9000}).str(), "[::1]:9000");
  EXPECT_FALSE(parseBindAddress("", 1)->has_value());
  for (const char* bad : {"host:1", "1.2.3.4:", "1.2.3.4:70000", "[::1", "[::1]x", "1.2.3.4:a"})
    EXPECT_FALSE(parseBindAddress(bad, 1).ok()) << bad;
}

TEST(ValueParsersTest, CidrsAndNodePortAddresses) {
  EXPECT_EQ(*parseClusterCidrs("10.244.0.1/16, fd00:244::/56"),
            (std::vector<std::string>{"10.244.0.0/16", "fd00:244::/56"}));
  EXPECT_TRUE(parseClusterCidrs("")->empty());
  EXPECT_FALSE(parseClusterCidrs("10.0.0.0/8,10.1.0.0/16").ok());  // two IPv4
  auto bad = parseClusterCidrs("10.0.0.0/33");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("10.0.0.0/33"), std::string::npos);
  EXPECT_EQ(*parseNodePortAddresses({"192.0.2.0/24,10.0.0.0/8", "fd00::/64"}),
            (std::vector<std::string>{"192.0.2.0/24", "10.0.0.0/8", "fd00::/64"}));
  EXPECT_EQ(*parseNodePortAddresses({"primary"}), std::vector<std::string>{"primary"});
  EXPECT_FALSE(parseNodePortAddresses({"primary,10.0.0.0/8"}).ok());
  EXPECT_FALSE(parseNodePortAddresses({"10.0.0.1"}).ok());  // an IP, not a CIDR
}

Result<KubeProxyConfigFile> parseFile(const std::string& body) {
  return parseKubeProxyConfig(
      "apiVersion: kubeproxy.config.k8s.io/v1alpha1\nkind: KubeProxyConfiguration\n" + body,
      "/etc/orch");
}

TEST(ConfigFileTest, KnownFields) {
  auto f = parseFile(R"(
mode: iptables
clusterCIDR: 10.244.0.0/16,fd00:244::/56
bindAddress: 0.0.0.0
healthzBindAddress: 0.0.0.0:10256
metricsBindAddress: 127.0.0.1:10249
hostnameOverride: node-1
nodePortAddresses: [192.0.2.0/24]
clientConnection: {kubeconfig: proxy.kubeconfig, qps: 5}
iptables: {minSyncPeriod: 2s, syncPeriod: 1m, masqueradeAll: true, localhostNodePorts: true}
nftables: {minSyncPeriod: 3s}
ipvs: {scheduler: lc, syncPeriod: 45s, strictARP: true}
conntrack: {maxPerCore: 32768, min: 131072, tcpEstablishedTimeout: 24h, tcpCloseWaitTimeout: 1h,
            udpTimeout: 30s, udpStreamTimeout: 2m, tcpBeLiberal: true}
oomScoreAdj: -999
)");
  ASSERT_TRUE(f.ok()) << f.status().message();
  EXPECT_EQ(f->mode, "iptables");
  EXPECT_EQ(f->cluster_cidr, "10.244.0.0/16,fd00:244::/56");
  EXPECT_EQ(f->hostname_override, "node-1");
  EXPECT_EQ(f->kubeconfig, "/etc/orch/proxy.kubeconfig");  // relative to the file
  EXPECT_EQ(f->iptables.min_sync_period, 2s);
  EXPECT_EQ(f->iptables.sync_period, 60s);
  EXPECT_EQ(f->iptables_masquerade_all, true);
  EXPECT_EQ(f->nftables.min_sync_period, 3s);
  EXPECT_EQ(f->ipvs.sync_period, 45s);
  EXPECT_EQ(f->ipvs_scheduler, "lc");
  EXPECT_EQ(f->conntrack.max_per_core, 32768);
  EXPECT_EQ(f->conntrack.tcp_established_timeout, 24h);
  EXPECT_EQ(f->conntrack.udp_stream_timeout, 2min);
  EXPECT_EQ(f->conntrack.tcp_be_liberal, true);
  EXPECT_EQ(f->node_port_addresses, std::vector<std::string>{"192.0.2.0/24"});
  std::set<std::string> ignored(f->ignored_fields.begin(), f->ignored_fields.end());
  EXPECT_EQ(ignored, (std::set<std::string>{"clientConnection.qps", "iptables.localhostNodePorts",
                                            "ipvs.strictARP", "oomScoreAdj"}));
}

TEST(ConfigFileTest, ErrorsNameTheField) {
  struct Case {
    std::string body, field;
  };
  for (const auto& c : std::vector<Case>{
           {"iptables: {minSyncPeriod: 1x}\n", "iptables.minSyncPeriod"},
           {"nftables: {syncPeriod: 0s}\n", "nftables.syncPeriod"},
           {"mode: userspace\n", "mode"},
           {"clusterCIDR: 10.0.0.0/40\n", "clusterCIDR"},
           {"healthzBindAddress: nohost:1\n", "healthzBindAddress"},
           {"metricsBindAddress: 1.2.3.4:99999\n", "metricsBindAddress"},
           {"bindAddress: x\n", "bindAddress"},
           {"nodePortAddresses: [primary, 10.0.0.0/8]\n", "nodePortAddresses"},
           {"conntrack: {maxPerCore: -1}\n", "conntrack.maxPerCore"},
           {"conntrack: {udpTimeout: soon}\n", "conntrack.udpTimeout"},
           {"conntrack: {min: many}\n", "conntrack.min"},
           {"ipvs: 3\n", "ipvs"},
           {"masqueradeAll: maybe\n", "masqueradeAll"},
       }) {
    auto f = parseFile(c.body);
    ASSERT_FALSE(f.ok()) << c.body;
    EXPECT_EQ(f.status().code(), EINVAL);
    EXPECT_EQ(f.status().message().rfind(c.field + ":", 0), 0u)
        << c.body << " → " << f.status().message();
  }
  auto kind = parseKubeProxyConfig("apiVersion: v1\nkind: Pod\n", "");
  ASSERT_FALSE(kind.ok());
  EXPECT_NE(kind.status().message().find("kind"), std::string::npos);
  auto version = parseKubeProxyConfig("apiVersion: v1\nkind: KubeProxyConfiguration\n", "");
  ASSERT_FALSE(version.ok());
  EXPECT_NE(version.status().message().find("apiVersion"), std::string::npos);
  EXPECT_FALSE(parseKubeProxyConfig("- a\n- b\n", "").ok());
}

class ResolveTest : public ::testing::Test {
 protected:
  Result<ProxyDaemonConfig> resolve(std::vector<std::string> args) {
    CLI::App app;
    ProxyFlags flags;
    addProxyFlags(app, flags);
    std::vector<const char*> argv = {"orch-proxy"};
    for (const auto& a : args) argv.push_back(a.c_str());
    try {
      app.parse(static_cast<int>(argv.size()), const_cast<char**>(argv.data()));
    } catch (const CLI::ParseError& e) {
      return Status::invalid(std::string("parse: ") + e.what());
    }
    return resolveProxyConfig(flags, explicitProxyFlags(app), " Host-A ");
  }
  testing::TempDir tmp_;
};

TEST_F(ResolveTest, Defaults) {
  auto c = resolve({});
  ASSERT_TRUE(c.ok()) << c.status().message();
  EXPECT_EQ(c->mode, ProxyMode::kNftables);
  EXPECT_EQ(c->hostname, "host-a");
  EXPECT_EQ(c->healthz, (BindAddress{"0.0.0.0", 10256}));
  EXPECT_EQ(c->metrics, (BindAddress{"127.0.0.1", 10249}));
  EXPECT_EQ(c->min_sync_period, 1s);
  EXPECT_EQ(c->sync_period, 30s);
  EXPECT_TRUE(c->node_port_addresses.primary);  // nftables' default
  EXPECT_TRUE(c->cluster_cidrs.empty());
  EXPECT_FALSE(c->masquerade_all);
  EXPECT_EQ(c->ipvs_scheduler, "rr");
  EXPECT_FALSE(c->cleanup);
  EXPECT_FALSE(c->conntrack.max_per_core.has_value());
  EXPECT_TRUE(conntrackSysctls(c->conntrack, 4).empty());
}

TEST_F(ResolveTest, Flags) {
  auto c = resolve({"--proxy-mode",
                    "iptables",
                    "--hostname-override",
                    "Node-1",
                    "--cluster-cidr",
                    "10.244.0.0/16,fd00:244::/56",
                    "--nodeport-addresses",
                    "192.0.2.0/24",
                    "--nodeport-addresses",
                    "fd00::/64",
                    "--masquerade-all",
                    "--healthz-bind-address",
                    "127.0.0.1:0",
                    "--metrics-bind-address",
                    "",
                    "--iptables-min-sync-period",
                    "250ms",
                    "--iptables-sync-period",
                    "1m",
                    "--ipvs-sync-period",
                    "5s",
                    "--cleanup"});
  ASSERT_TRUE(c.ok()) << c.status().message();
  EXPECT_EQ(c->mode, ProxyMode::kIptables);
  EXPECT_EQ(c->hostname, "node-1");
  EXPECT_EQ(c->cluster_cidrs, (std::vector<std::string>{"10.244.0.0/16", "fd00:244::/56"}));
  EXPECT_FALSE(c->node_port_addresses.primary);
  EXPECT_EQ(c->node_port_addresses.cidrs, (std::vector<std::string>{"192.0.2.0/24", "fd00::/64"}));
  EXPECT_TRUE(c->masquerade_all);
  EXPECT_EQ(c->healthz, (BindAddress{"127.0.0.1", 0}));
  EXPECT_FALSE(c->metrics.has_value());
  EXPECT_EQ(c->min_sync_period, 250ms);
  EXPECT_EQ(c->sync_period, 60s);  // the ipvs flags are for ipvs mode
  EXPECT_TRUE(c->cleanup);

  auto ipvs =
      resolve({"--proxy-mode", "ipvs", "--ipvs-scheduler", "sh", "--ipvs-sync-period", "5s"});
  ASSERT_TRUE(ipvs.ok()) << ipvs.status().message();
  EXPECT_EQ(ipvs->ipvs_scheduler, "sh");
  EXPECT_EQ(ipvs->sync_period, 5s);
  EXPECT_TRUE(ipvs->node_port_addresses.cidrs.empty());
  EXPECT_FALSE(ipvs->node_port_addresses.primary);  // every local address
}

TEST_F(ResolveTest, FlagErrorsNameTheFlag) {
  for (auto [args, flag] : std::vector<std::pair<std::vector<std::string>, std::string>>{
           {{"--proxy-mode", "userspace"}, "--proxy-mode"},
           {{"--cluster-cidr", "banana"}, "--cluster-cidr"},
           {{"--nodeport-addresses", "primary,10.0.0.0/8"}, "--nodeport-addresses"},
           {{"--healthz-bind-address", "x:1"}, "--healthz-bind-address"},
           {{"--metrics-bind-address", "1.2.3.4:-1"}, "--metrics-bind-address"},
           {{"--iptables-min-sync-period", "fast"}, "--iptables-min-sync-period"},
           {{"--iptables-sync-period", "0s"}, "--iptables-sync-period"},
           {{"--ipvs-scheduler", "best"}, "--ipvs-scheduler"},
           {{"--bind-address", "nowhere"}, "--bind-address"},
           {{"--conntrack-udp-timeout", "1"}, "--conntrack-udp-timeout"},
           {{"--conntrack-min", "-5"}, "--conntrack-min"},
           {{"--config", "/nonexistent/kube-proxy.yaml"},
            "--config: open /nonexistent/kube-proxy.yaml"},
       }) {
    auto c = resolve(args);
    ASSERT_FALSE(c.ok()) << args[0];
    EXPECT_EQ(c.status().message().rfind(flag, 0), 0u) << c.status().message();
  }
}

TEST_F(ResolveTest, ConfigFileAndFlagsOverride) {
  std::string path = tmp_.write("kube-proxy.yaml", R"(apiVersion: kubeproxy.config.k8s.io/v1alpha1
kind: KubeProxyConfiguration
mode: nftables
clusterCIDR: 10.244.0.0/16
hostnameOverride: from-file
healthzBindAddress: 127.0.0.1:20256
clientConnection: {kubeconfig: /etc/orch/proxy.kubeconfig}
nftables: {minSyncPeriod: 2s, syncPeriod: 40s, masqueradeAll: true}
iptables: {minSyncPeriod: 5s}
conntrack: {maxPerCore: 1000, min: 10000, tcpEstablishedTimeout: 24h, udpTimeout: 30s}
nodePortAddresses: [192.0.2.0/24]
)");
  auto c = resolve({"--config", path});
  ASSERT_TRUE(c.ok()) << c.status().message();
  EXPECT_EQ(c->kubeconfig, "/etc/orch/proxy.kubeconfig");
  EXPECT_EQ(c->hostname, "from-file");
  EXPECT_EQ(c->cluster_cidrs, std::vector<std::string>{"10.244.0.0/16"});
  EXPECT_EQ(c->healthz, (BindAddress{"127.0.0.1", 20256}));
  EXPECT_EQ(c->min_sync_period, 2s);  // the nftables section, not iptables'
  EXPECT_EQ(c->sync_period, 40s);
  EXPECT_TRUE(c->masquerade_all);
  EXPECT_EQ(c->node_port_addresses.cidrs, std::vector<std::string>{"192.0.2.0/24"});
  auto sysctls = conntrackSysctls(c->conntrack, 4);
  EXPECT_EQ(sysctls, (std::vector<std::pair<std::string, std::string>>{
                         {"net/netfilter/nf_conntrack_max", "10000"},
                         {"net/netfilter/nf_conntrack_tcp_timeout_established", "86400"},
                         {"net/netfilter/nf_conntrack_udp_timeout", "30"}}));
  EXPECT_EQ(conntrackSysctls(c->conntrack, 16).front().second, "16000");

  auto o =
      resolve({"--config", path, "--hostname-override", "from-flag", "--proxy-mode", "iptables",
               "--healthz-bind-address", "", "--conntrack-tcp-timeout-established", "1h"});
  ASSERT_TRUE(o.ok()) << o.status().message();
  EXPECT_EQ(o->hostname, "from-flag");
  EXPECT_EQ(o->mode, ProxyMode::kIptables);
  EXPECT_EQ(o->min_sync_period, 5s);  // now the iptables section
  EXPECT_FALSE(o->masquerade_all);    // nftables.masqueradeAll is for nftables mode
  EXPECT_FALSE(o->healthz.has_value());
  EXPECT_EQ(o->conntrack.tcp_established_timeout, 1h);

  std::string bad = tmp_.write("bad.yaml",
                               "apiVersion: kubeproxy.config.k8s.io/v1alpha1\n"
                               "kind: KubeProxyConfiguration\n"
                               "iptables: {syncPeriod: 1y}\n");
  auto e = resolve({"--config", bad});
  ASSERT_FALSE(e.ok());
  EXPECT_NE(e.status().message().find("iptables.syncPeriod"), std::string::npos)
      << e.status().message();
  EXPECT_NE(e.status().message().find(bad), std::string::npos);
}

}  // namespace
}  // namespace orch::proxy
