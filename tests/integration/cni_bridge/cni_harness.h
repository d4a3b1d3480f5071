#pragma once
// Helpers for the bridge/portmap integration tests: run a CNI plugin binary inside a
// test-made "host" namespace (ip netns exec), and read back the state a plugin left there
// and in the container namespace, normalised so that ours and the reference plugins'
// results can be compared (generated names and MACs left out).

#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "tests/support/netns/netns_fixture.h"

namespace orch::testing::cnib {

// build/cni-plugins (ours) and /usr/lib/cni (the reference binaries).
std::string ourPluginDir();
inline const char* kRefPluginDir = "/usr/lib/cni";

struct CniCall {
  std::string command;
  std::string container_id;
  std::string netns_path;  // CNI_NETNS
  std::string ifname = "eth0";
  std::string args;  // CNI_ARGS
  std::string plugin_dir;
  std::string plugin;  // "bridge", "portmap"
  bool omit_netns = false;
};

struct CniReply {
  int exit_code = -1;
  std::string out, err;
  nlohmann::json json;  // stdout parsed (null when empty or not JSON)
};

// Runs the plugin in `host` with `config` on stdin.
CniReply runPlugin(const TestNetns& host, const CniCall& call, const std::string& config);

// The state a bridge ADD leaves, without generated names/MACs.
struct State {
  // container side
  bool cont_link = false;
  bool cont_up = false;
  uint32_t cont_mtu = 0;
  std::string cont_mac;
  std::vector<std::string> cont_addrs;   // global addresses "10.1.0.2/24"
  std::vector<std::string> cont_routes;  // "dst via gw" of non-kernel routes
  // host side
  bool bridge = false;
  uint32_t bridge_mtu = 0;
  bool bridge_promisc = false;
  std::vector<std::string> bridge_addrs;  // global addresses
  int ports = 0;                          // veths enslaved to the bridge
  std::string port_flags;                 // of the container's port: "hairpin=.. isolated=.."
  std::string port_vlans;                 // "10 pvid untagged; ..."
  bool operator==(const State&) const = default;
};
std::string describe(const State& s);

State readState(TestNetns& host, TestNetns& cont, const std::string& ifname,
                const std::string& bridge);

// Number of veth links in `ns`.
int vethCount(TestNetns& ns);
// `nft list ruleset` / `iptables-save -t nat` (and ip6tables-save) inside `ns`.
std::string nftRuleset(const TestNetns& ns);
std::string iptablesNat(const TestNetns& ns, bool v6 = false);
// Files in `dir` (names only).
std::vector<std::string> listDir(const std::string& dir);

}  // namespace orch::testing::cnib
