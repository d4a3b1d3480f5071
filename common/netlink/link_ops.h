#pragma once
// LinkOps: the contract for managing network interfaces in one network namespace
// (the one the implementation's netlink socket lives in). The real implementation is
// Netlink (rtnl_link_ops.cc, rtnl_bridge_ops.cc); fakes implement the same interface.
//
// Links are named by interface name; every call resolves the name afresh. Errors carry
// the kernel's errno and the operation: "add veth veth1/eth0: EEXIST",
// "set master veth1 cni0: ENODEV" (ENODEV also for an unknown name).
// Not thread-safe: one object per thread, or external locking.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/base/status.h"
#include "common/netlink/ip_address.h"

namespace orch::netlink {

class NetNs;

// What the kernel reports about a link.
struct LinkInfo {
  int index = 0;
  std::string name;
  std::string kind;    // IFLA_INFO_KIND: "veth", "bridge", "vxlan", ...; "" if none (lo)
  unsigned flags = 0;  // IFF_* (IFF_UP, IFF_PROMISC, IFF_LOWER_UP, ...)
  uint32_t mtu = 0;
  int master = 0;         // ifindex of the master (bridge), 0 = none
  int link = 0;           // IFLA_LINK: veth peer / vlan parent ifindex (may be in another ns)
  std::string mac;        // "aa:bb:cc:dd:ee:ff"; "" when the link has no address
  std::string operstate;  // "up", "down", "lowerlayerdown", "unknown", ...

  bool up() const;       // IFF_UP
  bool promisc() const;  // IFF_PROMISC
};

struct VethSpec {
  std::string name;
  std::string peer_name;
  uint32_t mtu = 0;        // 0 = kernel default, applies to both ends
  std::string mac;         // "" = random
  std::string peer_mac;    // "" = random
  int peer_netns_fd = -1;  // >= 0: the peer is created directly in that namespace
};

struct BridgeSpec {
  std::string name;
  uint32_t mtu = 0;
  std::string mac;
  bool vlan_filtering = false;                // IFLA_BR_VLAN_FILTERING
  std::optional<uint16_t> vlan_default_pvid;  // IFLA_BR_VLAN_DEFAULT_PVID (0 = none)
};

struct VxlanSpec {
  std::string name;
  uint32_t id = 0;                  // VNI
  std::optional<IpAddress> local;   // source address
  std::optional<IpAddress> remote;  // unicast peer or multicast group
  uint16_t port = 4789;             // UDP destination port
  std::string dev;                  // underlay device; "" = none
  uint32_t mtu = 0;
  bool learning = true;
};

struct VlanSpec {
  std::string name;
  std::string parent;  // the lower device
  uint16_t id = 0;     // 1..4094
  uint32_t mtu = 0;
};

// Bridge port flags (IFLA_BRPORT_* in IFLA_PROTINFO). When setting, only the fields
// that hold a value are changed; when read back, every field holds one.
struct BridgePortFlags {
  std::optional<bool> hairpin;   // IFLA_BRPORT_MODE
  std::optional<bool> learning;  // IFLA_BRPORT_LEARNING
  std::optional<bool> flood;     // IFLA_BRPORT_UNICAST_FLOOD
  std::optional<bool> isolated;  // IFLA_BRPORT_ISOLATED
};

// One VLAN of a bridge port or of the bridge itself (BRIDGE_VLAN_INFO_*).
struct BridgeVlan {
  uint16_t vid = 0;
  bool pvid = false;
  bool untagged = false;
  bool operator==(const BridgeVlan&) const = default;
};

class LinkOps {
 public:
  virtual ~LinkOps() = default;

  virtual Result<LinkInfo> getLink(const std::string& name) = 0;
  virtual Result<LinkInfo> getLinkByIndex(int index) = 0;
  virtual Result<std::vector<LinkInfo>> listLinks() = 0;

  // Creation fails with EEXIST when a link of that name exists. New links are down.
  virtual Status createVeth(const VethSpec& spec) = 0;
  virtual Status createBridge(const BridgeSpec& spec) = 0;
  virtual Status createDummy(const std::string& name, uint32_t mtu = 0) = 0;
  virtual Status createVxlan(const VxlanSpec& spec) = 0;
  virtual Status createVlan(const VlanSpec& spec) = 0;
  // Deleting one end of a veth deletes both.
  virtual Status deleteLink(const std::string& name) = 0;

  virtual Status setUp(const std::string& name, bool up) = 0;
  virtual Status setMtu(const std::string& name, uint32_t mtu) = 0;
  virtual Status setMac(const std::string& name, const std::string& mac) = 0;
  virtual Status setPromisc(const std::string& name, bool on) = 0;
  // Attaches `name` to the bridge (or other master) `master`.
  virtual Status setMaster(const std::string& name, const std::string& master) = 0;
  virtual Status setNoMaster(const std::string& name) = 0;
  virtual Status rename(const std::string& name, const std::string& new_name) = 0;
  // Moves the link into the namespace behind `netns_fd`, renaming it on the way when
  // new_name is not empty. The link is gone from this namespace afterwards.
  virtual Status moveToNetns(const std::string& name, int netns_fd,
                             const std::string& new_name = "") = 0;

  // Bridge ports: `port` must be enslaved to a bridge.
  virtual Status setBridgePortFlags(const std::string& port, const BridgePortFlags& flags) = 0;
  virtual Result<BridgePortFlags> getBridgePortFlags(const std::string& port) = 0;
  // VLANs on a bridge port (self = false) or on the bridge device itself (name is the
  // bridge, self = true). Needs vlan_filtering on the bridge to take effect on traffic.
  virtual Status addBridgeVlan(const std::string& name, const BridgeVlan& vlan, bool self) = 0;
  virtual Status delBridgeVlan(const std::string& name, uint16_t vid, bool self) = 0;
  // The VLANs of a port or of the bridge itself, ascending by vid.
  virtual Result<std::vector<BridgeVlan>> listBridgeVlans(const std::string& name) = 0;
};

}  // namespace orch::netlink
