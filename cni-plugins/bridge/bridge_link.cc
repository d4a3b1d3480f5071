#include "cni-plugins/bridge/bridge_link.h"

#include <cerrno>

#include "common/netlink/sysctl.h"

namespace orch::cni::bridge {

using netlink::IpFamily;

Result<netlink::LinkInfo> ensureBridge(netlink::Netlink& nl, const BridgeConf& conf) {
  netlink::BridgeSpec spec;
  spec.name = conf.bridge;
  spec.mtu = static_cast<uint32_t>(conf.mtu);
  spec.vlan_filtering = conf.vlanFiltering();
  Status s = nl.createBridge(spec);
  if (!s.isOk() && s.code() != EEXIST) {
    return s.withContext("failed to create bridge \"" + conf.bridge + "\"");
  }
  auto link = nl.getLink(conf.bridge);
  if (!link.ok()) return link.status().withContext("could not lookup \"" + conf.bridge + "\"");
  if (link->kind != "bridge") {
    return Status::exists("bridge: \"" + conf.bridge + "\" already exists but is not a bridge");
  }
  if (conf.promisc_mode && !link->promisc()) {
    ORCH_RETURN_IF_ERROR(
        nl.setPromisc(conf.bridge, true)
            .withContext("could not set promiscuous mode on \"" + conf.bridge + "\""));
  }
  // We own the routes of this interface (reference: accept_ra 0, errors ignored).
  (void)netlink::writeInterfaceSysctl(IpFamily::kV6, conf.bridge, "accept_ra", "0");
  if (!link->up()) ORCH_RETURN_IF_ERROR(nl.setUp(conf.bridge, true));
  return nl.getLink(conf.bridge);
}

Status ensureAddr(netlink::Netlink& nl, const std::string& dev, const netlink::IpPrefix& addr,
                  bool force) {
  ORCH_ASSIGN_OR_RETURN(auto addrs, nl.listAddresses(dev, addr.family()));
  for (const auto& a : addrs) {
    if (a.prefix == addr) return Status::ok();
    if (addr.isV4() || a.prefix.contains(addr.address()) || addr.contains(a.prefix.address())) {
      if (a.prefix.isV4() != addr.isV4()) continue;
      if (!addr.isV4() && a.scope != RT_SCOPE_UNIVERSE) continue;  // link-local fe80::
      if (!force) {
        return Status::exists("\"" + dev + "\" already has an IP address different from " +
                              addr.toString());
      }
      ORCH_RETURN_IF_ERROR(nl.delAddress(dev, a.prefix)
                               .withContext("could not remove IP address from \"" + dev + "\""));
    }
  }
  Status s = nl.addAddress(dev, netlink::AddrSpec{addr, 0, std::nullopt});
  if (!s.isOk() && s.code() != EEXIST) {
    return s.withContext("could not add IP address to \"" + dev + "\"");
  }
  // Pin the MAC; otherwise a bridge takes the lowest port MAC and changes as ports churn.
  ORCH_ASSIGN_OR_RETURN(auto link, nl.getLink(dev));
  if (!link.mac.empty()) {
    ORCH_RETURN_IF_ERROR(nl.setMac(dev, link.mac).withContext("could not set bridge's mac"));
  }
  return Status::ok();
}

Result<std::string> ensureVlanInterface(netlink::Netlink& nl, const BridgeConf& conf,
                                        uint32_t mtu) {
  std::string name = conf.bridge + "." + std::to_string(conf.vlan);
  if (nl.getLink(name).ok()) return name;
  std::string peer;
  Status s;
  for (int i = 0; i < 10; ++i) {
    peer = randomVethName();
    s = nl.createVeth(netlink::VethSpec{name, peer, mtu, "", "", -1});
    if (s.isOk() || s.code() != EEXIST || nl.getLink(name).ok()) break;
  }
  if (!s.isOk()) {
    if (s.code() == EEXIST && nl.getLink(name).ok()) return name;  // a concurrent ADD made it
    return s.withContext("failed to create vlan gateway \"" + name + "\"");
  }
  auto fail = [&](Status st) -> Result<std::string> {
    (void)nl.deleteLink(name);
    return st.withContext("failed to create vlan gateway \"" + name + "\"");
  };
  if (Status st = nl.setUp(peer, true); !st.isOk()) return fail(st);
  if (Status st = nl.setMaster(peer, conf.bridge); !st.isOk()) return fail(st);
  if (Status st = nl.setBridgePortFlags(peer, {false, std::nullopt, std::nullopt, std::nullopt});
      !st.isOk()) {
    return fail(st);
  }
  if (!conf.preserve_default_vlan) (void)nl.delBridgeVlan(peer, 1, false);
  netlink::BridgeVlan v{static_cast<uint16_t>(conf.vlan), true, true};
  if (Status st = nl.addBridgeVlan(peer, v, false); !st.isOk()) return fail(st);
  if (Status st = nl.setUp(name, true); !st.isOk()) return fail(st);
  return name;
}

Status enableForwarding(bool v6) {
  const char* key = v6 ? "net.ipv6.conf.all.forwarding" : "net.ipv4.ip_forward";
  auto cur = netlink::readSysctl(key);
  if (cur.ok() && *cur == "1") return Status::ok();
  return netlink::writeSysctl(key, "1");
}

}  // namespace orch::cni::bridge
