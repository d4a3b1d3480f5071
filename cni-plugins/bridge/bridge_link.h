#pragma once
// Host-side link work of the bridge plugin, in the calling thread's namespace.

#include <string>

#include "cni-plugins/bridge/bridge_config.h"
#include "common/base/status.h"
#include "common/netlink/netlink.h"

namespace orch::cni::bridge {

// Creates the bridge, or on EEXIST re-reads it and requires it to be a bridge (so
// concurrent ADDs never race); sets promisc when asked, accept_ra 0, and brings it up.
Result<netlink::LinkInfo> ensureBridge(netlink::Netlink& nl, const BridgeConf& conf);

// Puts `addr` (gateway address with the subnet's prefix) on `dev`. An equal address is
// kept; a different IPv4 address (or an overlapping IPv6 one) is replaced when `force`,
// otherwise an error. Afterwards the device's MAC is pinned to itself, as the reference
// does, so the bridge's MAC does not follow its ports.
Status ensureAddr(netlink::Netlink& nl, const std::string& dev, const netlink::IpPrefix& addr,
                  bool force);

// The "<bridge>.<vlan>" gateway interface for a VLAN: a veth whose peer is a bridge port
// with `vlan` as untagged PVID. Returns its name.
Result<std::string> ensureVlanInterface(netlink::Netlink& nl, const BridgeConf& conf, uint32_t mtu);

// Enables forwarding for a family (net.ipv4.ip_forward / net.ipv6.conf.all.forwarding),
// writing only when it is off.
Status enableForwarding(bool v6);

}  // namespace orch::cni::bridge
