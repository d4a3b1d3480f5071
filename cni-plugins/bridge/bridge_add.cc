// ADD of the bridge plugin (see bridge.h): every step registers its undo, so a failure
// midway leaves no veth, no IPAM allocation and no rules behind.
#include <cerrno>
#include <functional>
#include <future>

#include "cni-plugins/bridge/bridge.h"
#include "cni-plugins/bridge/bridge_config.h"
#include "cni-plugins/bridge/bridge_link.h"
#include "cni-plugins/bridge/ipam_exec.h"
#include "cni-plugins/bridge/ipmasq.h"
#include "cni-plugins/bridge/spoofcheck.h"
#include "common/cni/version.h"
#include "common/netlink/netlink.h"
#include "common/netlink/sysctl.h"

namespace orch::cni::bridge {
namespace {

using netlink::IpFamily;
using nlohmann::json;

Error ioError(const Status& s) {
  return Error{kErrInternal, s.message(), ""};
}

// Undo steps run in reverse unless dismissed.
class Rollback {
 public:
  ~Rollback() {
    if (done_) return;
    for (auto it = steps_.rbegin(); it != steps_.rend(); ++it) (*it)();
  }
  void add(std::function<void()> f) { steps_.push_back(std::move(f)); }
  void dismiss() { done_ = true; }

 private:
  std::vector<std::function<void()>> steps_;
  bool done_ = false;
};

Result<netlink::IpAddress> toNl(const IpAddr& a) {
  return netlink::IpAddress::parse(a.toString());
}
Result<netlink::IpPrefix> toNl(const IpNet& n) {
  return netlink::IpPrefix::parse(n.toString());
}

// Creates the veth pair with the container end made directly in the container namespace.
Result<std::string> createVeth(netlink::Netlink& host, netlink::Netlink& cont,
                               const netlink::NetNs& ns, const skel::CmdArgs& args,
                               const BridgeConf& conf) {
  if (cont.getLink(args.ifname).ok()) {
    return Status::exists("CNI_IFNAME: container veth name provided (" + args.ifname +
                          ") already exists");
  }
  Status s;
  for (int i = 0; i < 10; ++i) {
    std::string name = randomVethName();
    netlink::VethSpec spec{name, args.ifname, static_cast<uint32_t>(conf.mtu),
                           "",   conf.mac,    ns.fd()};
    s = host.createVeth(spec);
    if (s.isOk()) return name;
    if (s.code() != EEXIST) break;
    if (cont.getLink(args.ifname).ok()) {
      return Status::exists("CNI_IFNAME: container veth name provided (" + args.ifname +
                            ") already exists");
    }
  }
  return s.withContext("failed to make veth pair");
}

Status attachHostEnd(netlink::Netlink& host, const std::string& veth, const BridgeConf& conf) {
  ORCH_RETURN_IF_ERROR(host.setUp(veth, true));
  (void)netlink::writeInterfaceSysctl(IpFamily::kV6, veth, "accept_ra", "0");
  ORCH_RETURN_IF_ERROR(
      host.setMaster(veth, conf.bridge)
          .withContext("failed to connect \"" + veth + "\" to bridge " + conf.bridge));
  netlink::BridgePortFlags flags;
  flags.hairpin = conf.hairpin_mode;
  if (conf.port_isolation) flags.isolated = true;
  ORCH_RETURN_IF_ERROR(
      host.setBridgePortFlags(veth, flags).withContext("failed to setup port flags for " + veth));
  if (conf.vlanFiltering() && !conf.preserve_default_vlan) {
    Status s = host.delBridgeVlan(veth, 1, false);
    if (!s.isOk() && s.code() != ENOENT && s.code() != EINVAL) {
      return s.withContext("failed to remove default vlan on interface " + veth);
    }
  }
  if (conf.vlan != 0) {
    ORCH_RETURN_IF_ERROR(
        host.addBridgeVlan(veth, {static_cast<uint16_t>(conf.vlan), true, true}, false)
            .withContext("failed to setup vlan tag on interface \"" + veth + "\""));
  }
  for (int v : conf.vlans) {
    ORCH_RETURN_IF_ERROR(
        host.addBridgeVlan(veth, {static_cast<uint16_t>(v), false, false}, false)
            .withContext("failed to setup vlan tag on interface \"" + veth + "\""));
  }
  return Status::ok();
}

// The reference's calcGateways: container IPs point at interface 2; a missing gateway is
// the subnet's first address when isGateway; isDefaultGateway adds a default route per
// family unless IPAM already gave one with a gateway.
void calcGateways(CniResult& r, const BridgeConf& conf, std::vector<IpNet>* gws) {
  bool default_found[2] = {false, false};
  for (auto& ipc : r.ips) {
    int fam = ipc.address.ip.isV4() ? 0 : 1;
    ipc.interface = 2;
    if (!ipc.gateway && conf.is_gateway) ipc.gateway = ipc.address.network().next();
    if (conf.is_default_gateway && !default_found[fam]) {
      for (const auto& rt : r.routes) {
        if (rt.gw && rt.dst.prefix == 0 && rt.dst.ip.isV4() == (fam == 0)) {
          default_found[fam] = true;
        }
      }
      if (!default_found[fam]) {
        IpNet dst{*IpAddr::parse(fam == 0 ? "0.0.0.0" : "::"), 0};
        Route rt;
        rt.dst = dst;
        rt.gw = ipc.gateway;
        r.routes.push_back(rt);
        default_found[fam] = true;
      }
    }
    if (conf.is_gateway && ipc.gateway) gws->push_back(IpNet{*ipc.gateway, ipc.address.prefix});
  }
}

// ipam.ConfigureIface: addresses, link up, routes (a route without gw uses the first
// gateway of its family).
Status configureContainer(netlink::Netlink& cont, const netlink::NetNs& ns,
                          const skel::CmdArgs& args, const BridgeConf& conf, const CniResult& r) {
  bool has_v6 = false;
  for (const auto& ipc : r.ips) has_v6 |= !ipc.address.ip.isV4();
  ORCH_RETURN_IF_ERROR(ns.run([&]() -> Status {
    if (has_v6) {
      if (conf.enable_dad) {
        (void)netlink::writeInterfaceSysctl(IpFamily::kV6, args.ifname, "enhanced_dad", "1");
        (void)netlink::writeInterfaceSysctl(IpFamily::kV6, args.ifname, "accept_dad", "1");
      } else {
        (void)netlink::writeInterfaceSysctl(IpFamily::kV6, args.ifname, "accept_dad", "0");
      }
    }
    (void)netlink::writeInterfaceSysctl(IpFamily::kV4, args.ifname, "arp_notify", "1");
    return Status::ok();
  }));
  std::optional<IpAddr> gw4, gw6;
  for (const auto& ipc : r.ips) {
    if (!ipc.interface || *ipc.interface != 2) continue;
    ORCH_ASSIGN_OR_RETURN(auto p, toNl(ipc.address));
    ORCH_RETURN_IF_ERROR(cont.addAddress(args.ifname, {p, 0, std::nullopt})
                             .withContext("failed to add IP addr " + ipc.address.toString() +
                                          " to \"" + args.ifname + "\""));
    if (ipc.gateway) {
      auto& g = ipc.gateway->isV4() ? gw4 : gw6;
      if (!g) g = ipc.gateway;
    }
  }
  if (!conf.disable_container_interface) {
    ORCH_RETURN_IF_ERROR(
        cont.setUp(args.ifname, true).withContext("failed to set \"" + args.ifname + "\" UP"));
  }
  for (const auto& rt : r.routes) {
    netlink::Route nr;
    nr.family = rt.dst.ip.isV4() ? IpFamily::kV4 : IpFamily::kV6;
    ORCH_ASSIGN_OR_RETURN(auto dst, toNl(IpNet{rt.dst.network(), rt.dst.prefix}));
    nr.dst = dst;
    std::optional<IpAddr> gw = rt.gw ? rt.gw : (rt.dst.ip.isV4() ? gw4 : gw6);
    if (gw) {
      ORCH_ASSIGN_OR_RETURN(auto g, toNl(*gw));
      nr.gateway = g;
    }
    nr.dev = args.ifname;
    if (rt.table) nr.table = static_cast<uint32_t>(*rt.table);
    if (rt.scope) nr.scope = static_cast<uint8_t>(*rt.scope);
    if (rt.mtu) nr.mtu = static_cast<uint32_t>(*rt.mtu);
    if (rt.priority) nr.priority = static_cast<uint32_t>(*rt.priority);
    Status s = cont.addRoute(nr);
    if (!s.isOk()) return s.withContext("failed to add route '" + nr.describe() + "'");
  }
  return Status::ok();
}

}  // namespace

std::optional<Error> cmdAdd(const skel::CmdArgs& args, json& out) {
  auto conf = parseBridgeConf(args.config, args.args);
  if (!conf.ok()) return Error{kErrInvalidNetworkConfig, conf.status().message(), ""};
  auto ns = netlink::NetNs::openPath(args.netns);
  if (!ns.ok()) {
    return Error{kErrInvalidEnvironment, "CNI_NETNS: failed to open netns \"" + args.netns + "\"",
                 ns.status().message()};
  }
  auto host = netlink::Netlink::open();
  if (!host.ok()) return ioError(host.status());
  auto cont = netlink::Netlink::openIn(*ns);
  if (!cont.ok()) return ioError(cont.status());

  // IPAM runs in its own process: start it now and do the link work meanwhile. (Declared
  // before `undo`, whose steps wait for it.)
  std::optional<Error> ipam_err;
  json ipam_out;
  std::future<void> ipam_done;
  Rollback undo;
  if (!conf->ipam_type.empty()) {
    ipam_done = std::async(std::launch::async,
                           [&] { ipam_err = execIpam(conf->ipam_type, "ADD", args, &ipam_out); });
    undo.add([&] {
      ipam_done.wait();
      if (!ipam_err) (void)execIpam(conf->ipam_type, "DEL", args, nullptr);
    });
  }

  auto br = ensureBridge(*host, *conf);
  if (!br.ok()) return ioError(br.status());

  auto veth = createVeth(*host, *cont, *ns, args, *conf);
  if (!veth.ok()) return ioError(veth.status());
  undo.add([&] { (void)host->deleteLink(*veth); });
  if (Status s = attachHostEnd(*host, *veth, *conf); !s.isOk()) return ioError(s);

  auto host_link = host->getLink(*veth);
  if (!host_link.ok()) return ioError(host_link.status());
  auto cont_link = cont->getLink(args.ifname);
  if (!cont_link.ok()) return ioError(cont_link.status());

  CniResult result;
  result.cni_version = std::string(kSpecVersion);
  result.interfaces.push_back(Interface{conf->bridge, br->mac, std::nullopt, "", "", ""});
  result.interfaces.push_back(Interface{*veth, host_link->mac, std::nullopt, "", "", ""});
  result.interfaces.push_back(
      Interface{args.ifname, cont_link->mac, std::nullopt, args.netns, "", ""});

  if (conf->mac_spoof_check) {
    std::string id = spoofCheckId(args.container_id, args.ifname);
    undo.add([id] { (void)teardownSpoofCheck(id); });
    if (Status s = setupSpoofCheck(*veth, cont_link->mac, id); !s.isOk()) return ioError(s);
  }

  if (conf->ipam_type.empty()) {
    // Layer 2 only: the container end just comes up.
    if (!conf->disable_container_interface) {
      if (Status s = cont->setUp(args.ifname, true); !s.isOk()) return ioError(s);
    }
  } else {
    ipam_done.wait();
    if (ipam_err) return ipam_err;
    auto ipam = CniResult::fromJson(ipam_out);
    if (!ipam.ok()) {
      return Error{kErrDecodingFailure, "IPAM plugin returned an invalid result",
                   ipam.status().message()};
    }
    result.ips = ipam->ips;
    result.routes = ipam->routes;
    result.dns = ipam->dns;
    if (result.ips.empty())
      return Error{kErrInternal, "IPAM plugin returned missing IP config", ""};
    std::vector<IpNet> gws;
    calcGateways(result, *conf, &gws);
    if (Status s = configureContainer(*cont, *ns, args, *conf, result); !s.isOk()) {
      return ioError(s);
    }
    if (conf->is_gateway) {
      std::string gw_dev = conf->bridge;
      if (conf->vlan != 0 && !gws.empty()) {
        auto v = ensureVlanInterface(*host, *conf, br->mtu);
        if (!v.ok()) return ioError(v.status());
        gw_dev = *v;
        auto vl = host->getLink(gw_dev);
        if (!vl.ok()) return ioError(vl.status());
        result.interfaces.push_back(Interface{gw_dev, vl->mac, std::nullopt, "", "", ""});
      }
      bool fwd[2] = {false, false};
      for (const auto& gw : gws) {
        auto p = toNl(gw);
        if (!p.ok()) return ioError(p.status());
        if (Status s = ensureAddr(*host, gw_dev, *p, conf->force_address); !s.isOk()) {
          return ioError(s.withContext("failed to set bridge addr"));
        }
        int f = gw.ip.isV4() ? 0 : 1;
        if (!fwd[f]) {
          if (Status s = enableForwarding(f == 1); !s.isOk()) {
            return ioError(s.withContext("failed to enable forwarding"));
          }
          fwd[f] = true;
        }
      }
    }
    if (conf->ip_masq) {
      std::vector<IpNet> ipns;
      for (const auto& ipc : result.ips) ipns.push_back(ipc.address);
      MasqKey key{conf->name, args.ifname, args.container_id};
      std::string backend = conf->ip_masq_backend.value_or(defaultMasqBackend());
      undo.add([key] { (void)teardownIpMasq(key); });
      if (Status s = setupIpMasq(backend, key, ipns); !s.isOk()) {
        return ioError(s.withContext("failed to setup IP masquerading"));
      }
    }
  }
  // The bridge's MAC may have changed when the first port joined (or was pinned).
  if (auto b = host->getLink(conf->bridge); b.ok()) result.interfaces[0].mac = b->mac;

  auto j = result.toJson(args.cni_version);
  if (!j.ok()) return Error{kErrIncompatibleVersion, j.status().message(), ""};
  out = std::move(j).value();
  undo.dismiss();
  return std::nullopt;
}

}  // namespace orch::cni::bridge
