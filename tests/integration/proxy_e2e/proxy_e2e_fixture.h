#pragma once
// The topology of one orch-proxy end-to-end test (root; everything in namespaces the test
// makes and removes, also on failure — DESIGN.md "Network safety"):
//
//   node      dead-end uplink (192.0.2.1), orch-apiserver on 127.0.0.1:6443, orch-proxy
//             (--hostname-override node-1, --cluster-cidr 10.244.0.0/16, --proxy-mode <param>),
//             bridge cbr0 10.244.1.1/24, vout 172.16.0.1/24 (the node IP for NodePorts; the
//             Node object node-1 has it as InternalIP)
//   pod-a/b/c "pods" 10.244.1.10/.11/.12 on cbr0 (ports in hairpin mode, as the CNI bridge
//             plugin's hairpinMode), each a NameServer (TCP+UDP :8080)
//   client    a pod without a server, 10.244.1.20 on cbr0
//   outside   172.16.0.5 on a veth to the node, outside the cluster CIDR
//
// Services and EndpointSlices are written with kubectl apply (orch has no endpointslice
// controller, so the tests write the slices, nodeName node-1 for local endpoints).

#include <gtest/gtest.h>

#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "common/client/http_client.h"
#include "tests/integration/proxy_e2e/name_server.h"
#include "tests/support/daemon.h"
#include "tests/support/netns/netns_fixture.h"
#include "tests/support/netns/node_control_plane.h"
#include "tests/support/temp_dir.h"

namespace orch::testing {

inline constexpr const char* kNodeIp = "172.16.0.1";
inline constexpr const char* kOutsideIp = "172.16.0.5";
inline constexpr const char* kBridgeIp = "10.244.1.1";
inline constexpr const char* kClientIp = "10.244.1.20";

struct Pod {
  std::string name;  // also what its server answers
  std::string ip;
  TestNetns* ns = nullptr;
};

// An endpoint of a slice: a pod on a node.
struct Ep {
  const Pod* pod;
  std::string node = "node-1";
  std::string conditions = "{ready: true}";  // the slice's YAML for endpoint.conditions
};

class ProxyE2eTest : public NetnsTest, public ::testing::WithParamInterface<std::string> {
 protected:
  void SetUp() override;
  void TearDown() override;

  const std::string& mode() const { return GetParam(); }
  const Pod& pod(int i) const { return pods_[static_cast<size_t>(i)]; }
  std::set<std::string> podNames() const;

  // kubectl apply of `manifest`; a fatal failure when it does not exit 0.
  void apply(const std::string& manifest);
  Result<RunResult> kubectl(std::vector<std::string> args) { return cp_->kubectl(std::move(args)); }
  // An EndpointSlice "<service>-slice" for `service` with ports tcp/8080 and udp/8080.
  static std::string slice(const std::string& service, const std::vector<Ep>& eps);

  // GET http://<ip>:<port><path> from inside `from` (status 0 when nothing answered).
  client::HttpResponse httpGet(const TestNetns& from, const std::string& ip, int port,
                               const std::string& path);
  // orch-proxy's /debug/proxy-state (null when it did not answer).
  nlohmann::json proxyState();
  // Waits until the IPv4 state has Service port `name` ("ns/svc:port") with `endpoints`
  // endpoints; a failure (with the state) when it never does.
  bool waitForServicePort(const std::string& name, size_t endpoints);
  // Waits until a TCP connection from `from` to ip:port gets an answer.
  bool waitForAnswer(const TestNetns& from, const std::string& ip, uint16_t port);

  // The rules of a mode (default: mode()) as text, from inside the node: `nft list table ip
  // orch-proxy`, or iptables-save of every table.
  std::string ruleListing(const std::string& of_mode = "");
  // The names of our chains in ruleListing() (nft: every chain of the table; iptables: ORCH-*).
  std::set<std::string> ruleChains();
  // Starts orch-proxy in the node in `proxy_mode` (SetUp does, in mode()) and waits until its
  // metrics port answers; its log goes to proxy.log.
  void startProxy(const std::string& proxy_mode);
  // Stops orch-proxy (SIGTERM), expecting a clean exit.
  void stopProxy();
  std::string logs() const;

  TempDir tmp_;
  TestNetns* node_ = nullptr;
  TestNetns* client_ = nullptr;
  TestNetns* outside_ = nullptr;
  std::vector<Pod> pods_;
  std::unique_ptr<NodeControlPlane> cp_;
  std::optional<Daemon> proxy_;
  std::vector<std::unique_ptr<NameServer>> servers_;

 private:
  void buildTopology();
  void addPod(TestNetns* ns, const std::string& ip, int index);
};

// A Service in "default" with the ports tcp (80 → targetPort "tcp") and udp (80 → "udp"), its
// clusterIP given; `extra`: more lines of spec, each indented by two spaces.
std::string service(const std::string& name, const std::string& cluster_ip,
                    const std::string& extra = "", uint16_t tcp_node_port = 0,
                    uint16_t udp_node_port = 0);
// Two YAML documents as one manifest.
std::string docs(const std::string& a, const std::string& b);
// "pod-a=3 pod-b=2 <none>=1 " for a tally().
std::string describe(const std::map<std::string, int>& seen);

// Runs `n` TCP asks from `from` to ip:port and counts the answering backends ("" counts
// connections that got no answer).
std::map<std::string, int> tally(const TestNetns& from, const std::string& ip, uint16_t port,
                                 int n);

}  // namespace orch::testing
