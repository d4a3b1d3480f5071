#include "cni-plugins/loopback/loopback.h"

#include <net/if.h>

#include "common/cni/version.h"
#include "common/netlink/netlink.h"
#include "common/netlink/netns.h"

namespace orch::cni::loopback {
namespace {

using nlohmann::json;

Error nsError(const Status& s) {
  return Error{s.code() == ENOENT ? kErrUnknownContainer : kErrIoFailure, s.message(), ""};
}

Result<std::vector<netlink::AddrInfo>> loUpAndAddresses(const std::string& netns_path) {
  ORCH_ASSIGN_OR_RETURN(auto ns, netlink::NetNs::openPath(netns_path));
  ORCH_ASSIGN_OR_RETURN(auto nl, netlink::Netlink::openIn(ns));
  ORCH_RETURN_IF_ERROR(nl.setUp("lo", true));
  ORCH_ASSIGN_OR_RETURN(auto v4, nl.listAddresses("lo", netlink::IpFamily::kV4));
  ORCH_ASSIGN_OR_RETURN(auto v6, nl.listAddresses("lo", netlink::IpFamily::kV6));
  v4.insert(v4.end(), v6.begin(), v6.end());
  return v4;
}

}  // namespace

std::optional<Error> cmdAdd(const skel::CmdArgs& args, json& out) {
  std::optional<CniResult> prev;
  if (auto e = skel::parsePrevResult(args, &prev)) return e;
  auto addrs = loUpAndAddresses(args.netns);
  if (!addrs.ok()) return nsError(addrs.status().withContext("set lo up in " + args.netns));

  CniResult r;
  if (prev) {
    r = *prev;
  } else {
    r.interfaces.push_back(Interface{"lo", "00:00:00:00:00:00", std::nullopt, args.netns, "", ""});
    // The first address of each family, as the reference reports it.
    bool have_v4 = false, have_v6 = false;
    for (const auto& a : *addrs) {
      bool v4 = a.prefix.isV4();
      auto ip = IpAddr::parse(a.prefix.address().toString());
      if (!ip.ok()) continue;
      bool loopback =
          v4 ? (a.prefix.address().v4Value() >> 24) == 127 : a.prefix.address().toString() == "::1";
      if (!loopback) {
        return Error{kErrInternal,
                     "loopback interface found with non-loopback address \"" +
                         a.prefix.address().toString() + "\"",
                     ""};
      }
      if ((v4 && have_v4) || (!v4 && have_v6)) continue;
      (v4 ? have_v4 : have_v6) = true;
      r.ips.push_back(IpConfig{IpNet{*ip, a.prefix.length()}, std::nullopt, 0});
    }
    // IPv4 first, as the reference lists them.
    std::stable_sort(r.ips.begin(), r.ips.end(), [](const IpConfig& x, const IpConfig& y) {
      return x.address.ip.isV4() && !y.address.ip.isV4();
    });
  }
  auto j = r.toJson(args.cni_version);
  if (!j.ok()) return Error{kErrIncompatibleVersion, j.status().context(), ""};
  out = std::move(j).value();
  return std::nullopt;
}

std::optional<Error> cmdDel(const skel::CmdArgs& args, json&) {
  if (args.netns.empty()) return std::nullopt;
  auto ns = netlink::NetNs::openPath(args.netns);
  // The runtime may call DEL after the namespace is gone, or twice: nothing to undo.
  if (!ns.ok() && ns.status().code() == ENOENT) return std::nullopt;
  if (!ns.ok()) return nsError(ns.status());
  auto nl = netlink::Netlink::openIn(*ns);
  if (!nl.ok()) return nsError(nl.status());
  Status s = nl->setUp("lo", false);
  if (!s.isOk()) return nsError(s.withContext("set lo down in " + args.netns));
  return std::nullopt;
}

std::optional<Error> cmdCheck(const skel::CmdArgs& args, json&) {
  auto ns = netlink::NetNs::openPath(args.netns);
  if (!ns.ok()) return nsError(ns.status());
  auto nl = netlink::Netlink::openIn(*ns);
  if (!nl.ok()) return nsError(nl.status());
  auto link = nl->getLink("lo");
  if (!link.ok()) return nsError(link.status());
  if (!link->up()) return Error{kErrInternal, "loopback interface is down", ""};
  return std::nullopt;
}

skel::Plugin plugin() {
  auto nothing = [](const skel::CmdArgs&, json&) -> std::optional<Error> { return std::nullopt; };
  return skel::Plugin{
      "orch loopback plugin", supportedVersions(), cmdAdd, cmdDel, cmdCheck, nothing, nothing};
}

}  // namespace orch::cni::loopback
