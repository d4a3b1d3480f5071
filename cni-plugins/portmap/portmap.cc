#include "cni-plugins/portmap/portmap.h"

#include <unistd.h>

#include <climits>
#include <cstdlib>
#include <sstream>

#include "cni-plugins/portmap/portmap_config.h"
#include "cni-plugins/portmap/portmap_iptables.h"
#include "cni-plugins/portmap/portmap_nft.h"
#include "common/cni/version.h"
#include "common/netlink/netlink.h"
#include "common/netlink/sysctl.h"

namespace orch::cni::portmap {
namespace {

using nlohmann::json;
namespace nf = orch::netfilter;

Error fail(const Status& s) {
  return Error{kErrInternal, s.message(), ""};
}

Result<PortMapConf> load(const skel::CmdArgs& args) {
  auto c = parsePortMapConf(args.config, args.ifname);
  if (!c.ok()) return c.status().withContext("failed to parse config");
  return c;
}

std::string onPath(const std::string& bin) {
  const char* path = std::getenv("PATH");
  std::stringstream ss(path ? path : "/usr/sbin:/usr/bin:/sbin:/bin");
  std::string dir;
  while (std::getline(ss, dir, ':')) {
    if (!dir.empty() && ::access((dir + "/" + bin).c_str(), X_OK) == 0) return dir + "/" + bin;
  }
  return "";
}

// Sets route_localnet on the host interface that routes to the container, so that
// 127.0.0.1 → hostPort can be DNATed across it (the reference's enableLocalnetRouting).
Status enableLocalnet(const IpAddr& ip) {
  ORCH_ASSIGN_OR_RETURN(auto nl, netlink::Netlink::open());
  ORCH_ASSIGN_OR_RETURN(auto routes, nl.listRoutes(netlink::IpFamily::kV4));
  ORCH_ASSIGN_OR_RETURN(auto addr, netlink::IpAddress::parse(ip.toString()));
  int best_len = -1, best_if = 0;
  for (const auto& r : routes) {
    int len = r.dst ? r.dst->length() : 0;
    if (r.dst && !r.dst->contains(addr)) continue;
    if (r.ifindex > 0 && len > best_len) {
      best_len = len;
      best_if = r.ifindex;
    }
  }
  if (best_if == 0) return Status::ok();
  ORCH_ASSIGN_OR_RETURN(auto link, nl.getLinkByIndex(best_if));
  auto cur = netlink::readInterfaceSysctl(netlink::IpFamily::kV4, link.name, "route_localnet");
  if (cur.ok() && *cur == "1") return Status::ok();
  return netlink::writeInterfaceSysctl(netlink::IpFamily::kV4, link.name, "route_localnet", "1");
}

// Whether iptables state may hold rules of ours: with iptables-nft the chains are visible
// through nftables, which is far cheaper to ask than running iptables-save.
bool iptablesMayHaveRules(nf::NftOps* ops) {
  std::string restore = onPath("iptables-restore");
  if (restore.empty()) return false;
  char buf[PATH_MAX];
  if (ops == nullptr || ::realpath(restore.c_str(), buf) == nullptr ||
      std::string(buf).find("nft") == std::string::npos) {
    return true;
  }
  for (nf::Family f : {nf::Family::kIp, nf::Family::kIp6}) {
    auto rules = ops->listRules(f, "nat", kTopDnatChain);
    if (!rules.ok() || !rules->empty()) return true;
  }
  return false;
}

}  // namespace

std::optional<Error> cmdAdd(const skel::CmdArgs& args, json& out) {
  auto conf = load(args);
  if (!conf.ok()) return Error{kErrInvalidNetworkConfig, conf.status().message(), ""};
  if (!conf->prev_result) {
    return Error{kErrInvalidNetworkConfig, "prevResult: must be called as chained plugin", ""};
  }
  auto print = [&]() -> std::optional<Error> {
    auto j = conf->prev_result->toJson(args.cni_version);
    if (!j.ok()) return Error{kErrIncompatibleVersion, j.status().message(), ""};
    out = std::move(j).value();
    return std::nullopt;
  };
  if (conf->mappings.empty()) return print();

  std::unique_ptr<nf::NftOps> ops;
  std::unique_ptr<nf::IptablesRunner> ipt;
  if (conf->backend == "nftables") {
    auto o = nf::openMnlNftOps();
    if (!o.ok()) return fail(o.status());
    ops = std::move(*o);
  } else {
    ipt = nf::makeExecIptablesRunner();
  }
  auto undo = [&] {
    if (ops) (void)nftUnforwardPorts(*ops, args.container_id);
    if (ipt) (void)iptablesUnforwardPorts(*ipt, conf->name, args.container_id);
  };
  for (const auto& cont : {conf->cont_v4, conf->cont_v6}) {
    if (!cont) continue;
    if (conf->snat && cont->ip.isV4()) {
      if (Status s = enableLocalnet(cont->ip); !s.isOk()) {
        undo();
        return fail(s.withContext("unable to enable route_localnet"));
      }
    }
    Status s = ops ? nftForwardPorts(*ops, *conf, args.container_id, *cont)
                   : iptablesForwardPorts(*ipt, *conf, args.container_id, *cont);
    if (!s.isOk()) {
      undo();
      return fail(s);
    }
  }
  return print();
}

std::optional<Error> cmdDel(const skel::CmdArgs& args, json&) {
  auto conf = load(args);
  if (!conf.ok()) return Error{kErrInvalidNetworkConfig, conf.status().message(), ""};
  if (conf->mappings.empty()) return std::nullopt;
  // Both backends: the rules may come from another plugin version or configuration.
  auto ops = nf::openMnlNftOps();
  if (ops.ok()) {
    if (Status s = nftUnforwardPorts(**ops, args.container_id); !s.isOk()) return fail(s);
  }
  if (iptablesMayHaveRules(ops.ok() ? ops->get() : nullptr)) {
    auto ipt = nf::makeExecIptablesRunner();
    if (Status s = iptablesUnforwardPorts(*ipt, conf->name, args.container_id); !s.isOk()) {
      return fail(s);
    }
  }
  return std::nullopt;
}

std::optional<Error> cmdCheck(const skel::CmdArgs& args, json&) {
  auto conf = load(args);
  if (!conf.ok()) return Error{kErrInvalidNetworkConfig, conf.status().message(), ""};
  if (!conf->prev_result) {
    return Error{kErrInvalidNetworkConfig, "prevResult: Required prevResult missing", ""};
  }
  if (conf->mappings.empty()) return std::nullopt;
  for (const auto& cont : {conf->cont_v4, conf->cont_v6}) {
    if (!cont) continue;
    Status s;
    if (conf->backend == "nftables") {
      auto ops = nf::openMnlNftOps();
      if (!ops.ok()) return fail(ops.status());
      s = nftCheckPorts(**ops, *conf, args.container_id, *cont);
    } else {
      auto ipt = nf::makeExecIptablesRunner();
      s = iptablesCheckPorts(*ipt, *conf, args.container_id, *cont);
    }
    if (!s.isOk()) return fail(s);
  }
  return std::nullopt;
}

std::optional<Error> cmdGc(const skel::CmdArgs& args, json&) {
  auto conf = load(args);
  if (!conf.ok()) return Error{kErrInvalidNetworkConfig, conf.status().message(), ""};
  std::vector<std::string> valid;
  auto att = args.config.find("cni.dev/valid-attachments");
  if (att != args.config.end() && att->is_array()) {
    for (const auto& a : *att) {
      if (a.is_object()) valid.push_back(a.value("containerID", ""));
    }
  }
  auto ops = nf::openMnlNftOps();
  if (!ops.ok()) return fail(ops.status());
  if (Status s = nftGc(**ops, valid); !s.isOk()) return fail(s);
  return std::nullopt;
}

skel::Plugin plugin() {
  auto nothing = [](const skel::CmdArgs&, json&) -> std::optional<Error> { return std::nullopt; };
  return skel::Plugin{
      "orch portmap plugin", supportedVersions(), cmdAdd, cmdDel, cmdCheck, cmdGc, nothing};
}

}  // namespace orch::cni::portmap
