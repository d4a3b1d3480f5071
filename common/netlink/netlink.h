#pragma once
// Netlink: the real LinkOps / AddrOps / RouteOps / NeighOps for one network namespace,
// on libnl-route-3 (rtnl_*.cc). One object owns one NETLINK_ROUTE socket; the socket
// stays bound to the namespace it was opened in, so a process can hold one Netlink per
// namespace and manage them all from one thread (no setns per call).
//
// Usage:
//   ORCH_ASSIGN_OR_RETURN(auto ns, NetNs::openName("pod1"));
//   ORCH_ASSIGN_OR_RETURN(auto nl, Netlink::openIn(ns));
//   ORCH_RETURN_IF_ERROR(nl.setUp("eth0", true));
//
// Threads: not thread-safe; use one object per thread or lock around it. Movable.

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "common/base/status.h"
#include "common/netlink/addr_ops.h"
#include "common/netlink/link_ops.h"
#include "common/netlink/neigh_ops.h"
#include "common/netlink/netns.h"
#include "common/netlink/route_ops.h"

struct rtnl_link;

namespace orch::netlink {

class RtnlSocket;

class Netlink final : public LinkOps, public AddrOps, public RouteOps, public NeighOps {
 public:
  // A handle for the calling thread's current network namespace.
  static Result<Netlink> open();
  // A handle for `ns` (the socket is created on a thread inside it; see NetNs::run).
  static Result<Netlink> openIn(const NetNs& ns);

  Netlink(Netlink&&) noexcept;
  Netlink& operator=(Netlink&&) noexcept;
  ~Netlink() override;

  // The ifindex of a link; ENODEV when there is none of that name.
  Result<int> linkIndex(const std::string& name);

  // LinkOps
  Result<LinkInfo> getLink(const std::string& name) override;
  Result<LinkInfo> getLinkByIndex(int index) override;
  Result<std::vector<LinkInfo>> listLinks() override;
  Status createVeth(const VethSpec& spec) override;
  Status createBridge(const BridgeSpec& spec) override;
  Status createDummy(const std::string& name, uint32_t mtu = 0) override;
  Status createVxlan(const VxlanSpec& spec) override;
  Status createVlan(const VlanSpec& spec) override;
  Status deleteLink(const std::string& name) override;
  Status setUp(const std::string& name, bool up) override;
  Status setMtu(const std::string& name, uint32_t mtu) override;
  Status setMac(const std::string& name, const std::string& mac) override;
  Status setPromisc(const std::string& name, bool on) override;
  Status setMaster(const std::string& name, const std::string& master) override;
  Status setNoMaster(const std::string& name) override;
  Status rename(const std::string& name, const std::string& new_name) override;
  Status moveToNetns(const std::string& name, int netns_fd,
                     const std::string& new_name = "") override;
  Status setBridgePortFlags(const std::string& port, const BridgePortFlags& flags) override;
  Result<BridgePortFlags> getBridgePortFlags(const std::string& port) override;
  Status addBridgeVlan(const std::string& name, const BridgeVlan& vlan, bool self) override;
  Status delBridgeVlan(const std::string& name, uint16_t vid, bool self) override;
  Result<std::vector<BridgeVlan>> listBridgeVlans(const std::string& name) override;

  // AddrOps
  Status addAddress(const std::string& dev, const AddrSpec& spec) override;
  Status delAddress(const std::string& dev, const IpPrefix& prefix) override;
  Result<std::vector<AddrInfo>> listAddresses(const std::string& dev,
                                              std::optional<IpFamily> family) override;

  // RouteOps
  Status addRoute(const Route& route) override;
  Status replaceRoute(const Route& route) override;
  Status delRoute(const Route& route) override;
  Result<std::vector<Route>> listRoutes(std::optional<IpFamily> family,
                                        uint32_t table = RT_TABLE_MAIN) override;

  // NeighOps
  Status addNeighbor(const Neighbor& n) override;
  Status delNeighbor(const std::string& dev, const IpAddress& ip) override;
  Result<std::vector<Neighbor>> listNeighbors(const std::string& dev,
                                              std::optional<IpFamily> family) override;

 private:
  explicit Netlink(std::unique_ptr<RtnlSocket> sock);
  // Applies the attributes `edit` sets on a change object to link `name` (RTM_NEWLINK on
  // its ifindex).
  Status changeLink(const std::string& name, const std::string& context,
                    const std::function<void(rtnl_link*)>& edit);
  Status addLink(rtnl_link* link, const std::string& context);
  // Sends an AF_BRIDGE RTM_SETLINK/RTM_DELLINK for one VLAN.
  Status bridgeVlan(const std::string& name, const BridgeVlan& vlan, bool self, bool add);
  Status routeRequest(const Route& route, int nl_flags, bool del, const std::string& context);

  std::unique_ptr<RtnlSocket> sock_;
};

}  // namespace orch::netlink
