#include "cni-plugins/bridge/bridge.h"

#include <cerrno>
#include <set>

#include "cni-plugins/bridge/bridge_config.h"
#include "cni-plugins/bridge/ipam_exec.h"
#include "cni-plugins/bridge/ipmasq.h"
#include "cni-plugins/bridge/spoofcheck.h"
#include "common/cni/version.h"
#include "common/netfilter/nft_ops.h"
#include "common/netlink/netlink.h"

namespace orch::cni::bridge {
namespace {

using nlohmann::json;

Error ioError(const Status& s) {
  return Error{kErrInternal, s.message(), ""};
}

Error checkError(const std::string& msg) {
  return Error{kErrInternal, msg, ""};
}

// Drops nftables ipMasq rules of `network` whose instance is not a valid attachment.
Status gcMasq(const std::string& network, const json& attachments) {
  std::set<std::string> valid;
  if (attachments.is_array()) {
    for (const auto& a : attachments) {
      if (!a.is_object()) continue;
      MasqKey k{network, a.value("ifname", ""), a.value("containerID", "")};
      valid.insert(masqComment(k));
    }
  }
  ORCH_ASSIGN_OR_RETURN(auto ops, netfilter::openMnlNftOps());
  ORCH_ASSIGN_OR_RETURN(auto rules,
                        ops->listRules(netfilter::Family::kInet, kMasqTable, kMasqChain));
  std::string prefix = masqNetworkHash(network);
  netfilter::Transaction tx;
  for (const auto& r : rules) {
    if (r.comment.starts_with(prefix) && !valid.count(r.comment)) {
      tx.add(netfilter::DeleteRule{
          {netfilter::Family::kInet, kMasqTable, kMasqChain, {}, "", r.handle}});
    }
  }
  if (tx.empty()) return Status::ok();
  return ops->commit(tx);
}

}  // namespace

std::optional<Error> cmdDel(const skel::CmdArgs& args, json&) {
  auto conf = parseBridgeConf(args.config, args.args);
  if (!conf.ok()) return Error{kErrInvalidNetworkConfig, conf.status().message(), ""};

  // The container end first (deleting it deletes the host end too); a namespace or link
  // that is already gone is what a repeated DEL sees.
  if (!args.netns.empty()) {
    auto ns = netlink::NetNs::openPath(args.netns);
    if (ns.ok()) {
      auto cont = netlink::Netlink::openIn(*ns);
      if (!cont.ok()) return ioError(cont.status());
      Status s = cont->deleteLink(args.ifname);
      if (!s.isOk() && s.code() != ENODEV && s.code() != ENOENT) return ioError(s);
    } else if (ns.status().code() != ENOENT) {
      return ioError(ns.status());
    }
  }
  if (!conf->ipam_type.empty()) {
    if (auto e = execIpam(conf->ipam_type, "DEL", args, nullptr)) return e;
  }
  if (conf->mac_spoof_check) {
    Status s = teardownSpoofCheck(spoofCheckId(args.container_id, args.ifname));
    if (!s.isOk()) return ioError(s);
  }
  if (conf->ip_masq) {
    Status s = teardownIpMasq(MasqKey{conf->name, args.ifname, args.container_id});
    if (!s.isOk()) return ioError(s.withContext("failed to teardown IP masquerading"));
  }
  return std::nullopt;
}

std::optional<Error> cmdCheck(const skel::CmdArgs& args, json&) {
  auto conf = parseBridgeConf(args.config, args.args);
  if (!conf.ok()) return Error{kErrInvalidNetworkConfig, conf.status().message(), ""};
  std::optional<CniResult> prev;
  if (auto e = skel::parsePrevResult(args, &prev)) return e;
  if (!prev) return Error{kErrInvalidNetworkConfig, "prevResult: Required prevResult missing", ""};
  if (!conf->ipam_type.empty()) {
    if (auto e = execIpam(conf->ipam_type, "CHECK", args, nullptr)) return e;
  }

  // The interfaces prevResult names: the container end (by CNI_IFNAME and sandbox), the
  // bridge and the host end.
  int cont_idx = -1;
  for (size_t i = 0; i < prev->interfaces.size(); ++i) {
    const auto& itf = prev->interfaces[i];
    if (itf.name == args.ifname && !itf.sandbox.empty()) cont_idx = static_cast<int>(i);
  }
  if (cont_idx < 0) {
    return checkError("prevResult: no container interface named \"" + args.ifname + "\"");
  }
  auto ns = netlink::NetNs::openPath(args.netns);
  if (!ns.ok()) return Error{kErrInvalidEnvironment, "CNI_NETNS: " + ns.status().message(), ""};
  auto host = netlink::Netlink::open();
  if (!host.ok()) return ioError(host.status());
  auto cont = netlink::Netlink::openIn(*ns);
  if (!cont.ok()) return ioError(cont.status());

  auto br = host->getLink(conf->bridge);
  if (!br.ok()) return checkError("bridge \"" + conf->bridge + "\" not found");
  if (br->kind != "bridge") return checkError("\"" + conf->bridge + "\" is not a bridge");
  for (const auto& itf : prev->interfaces) {
    if (itf.name == conf->bridge && !itf.mac.empty() && itf.mac != br->mac) {
      return checkError("bridge \"" + conf->bridge + "\" has mac " + br->mac + ", expected " +
                        itf.mac);
    }
  }
  const auto& want = prev->interfaces[cont_idx];
  auto link = cont->getLink(args.ifname);
  if (!link.ok()) return checkError("container interface \"" + args.ifname + "\" not found");
  if (link->kind != "veth") return checkError("\"" + args.ifname + "\" is not a veth");
  if (!want.mac.empty() && want.mac != link->mac) {
    return checkError("interface " + args.ifname + " mac " + link->mac + " doesn't match " +
                      want.mac);
  }
  // The host end: a veth enslaved to the bridge whose peer is the container end.
  bool host_ok = false;
  for (const auto& itf : prev->interfaces) {
    if (!itf.sandbox.empty() || itf.name == conf->bridge) continue;
    auto h = host->getLink(itf.name);
    if (h.ok() && h->kind == "veth" && h->master == br->index && h->index == link->link) {
      host_ok = true;
    }
  }
  if (!host_ok) return checkError("no host veth of \"" + args.ifname + "\" on " + conf->bridge);

  auto addrs = cont->listAddresses(args.ifname, std::nullopt);
  if (!addrs.ok()) return ioError(addrs.status());
  for (const auto& ipc : prev->ips) {
    if (ipc.interface && *ipc.interface != cont_idx) continue;
    bool found = false;
    for (const auto& a : *addrs) found |= a.prefix.toString() == ipc.address.toString();
    if (!found) return checkError("ip " + ipc.address.toString() + " not found on " + args.ifname);
  }
  auto routes = cont->listRoutes(std::nullopt, 0);
  if (!routes.ok()) return ioError(routes.status());
  for (const auto& rt : prev->routes) {
    IpNet dst{rt.dst.network(), rt.dst.prefix};
    bool found = false;
    for (const auto& r : *routes) {
      std::string d = r.dst ? r.dst->masked().toString()
                            : (r.family == netlink::IpFamily::kV6 ? "::/0" : "0.0.0.0/0");
      if (d != dst.toString()) continue;
      if (rt.gw && (!r.gateway || r.gateway->toString() != rt.gw->toString())) continue;
      found = true;
    }
    if (!found) return checkError("route to " + dst.toString() + " not found in container");
  }
  if (conf->ip_masq && conf->ip_masq_backend.value_or(defaultMasqBackend()) == "nftables") {
    auto present = nftMasqPresent(MasqKey{conf->name, args.ifname, args.container_id});
    if (!present.ok()) return ioError(present.status());
    if (!*present) return checkError("ipMasq rules for " + args.container_id + " missing");
  }
  return std::nullopt;
}

std::optional<Error> cmdGc(const skel::CmdArgs& args, json&) {
  auto conf = parseBridgeConf(args.config, args.args);
  if (!conf.ok()) return Error{kErrInvalidNetworkConfig, conf.status().message(), ""};
  if (!conf->ipam_type.empty()) {
    if (auto e = execIpam(conf->ipam_type, "GC", args, nullptr)) return e;
  }
  if (conf->ip_masq) {
    Status s = gcMasq(conf->name, args.config.value("cni.dev/valid-attachments", json::array()));
    if (!s.isOk()) return ioError(s.withContext("ipMasq GC"));
  }
  return std::nullopt;
}

std::optional<Error> cmdStatus(const skel::CmdArgs& args, json&) {
  auto conf = parseBridgeConf(args.config, args.args);
  if (!conf.ok()) return Error{kErrInvalidNetworkConfig, conf.status().message(), ""};
  if (!conf->ipam_type.empty()) {
    if (auto e = execIpam(conf->ipam_type, "STATUS", args, nullptr)) return e;
  }
  return std::nullopt;
}

skel::Plugin plugin() {
  return skel::Plugin{
      "orch bridge plugin", supportedVersions(), cmdAdd, cmdDel, cmdCheck, cmdGc, cmdStatus};
}

}  // namespace orch::cni::bridge
