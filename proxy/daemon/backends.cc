#include "proxy/daemon/backends.h"

#include "common/netfilter/iptables.h"
#include "common/netfilter/nft_ops.h"
#include "proxy/conntrack/ctnetlink_conntrack_cleaner.h"
#include "proxy/iptables/iptables_proxier.h"
#include "proxy/ipvs/ipvs_proxier.h"
#include "proxy/nftables/nftables_proxier.h"

namespace orch::proxy {
namespace {

const char* familyText(IpFamily f) {
  return f == IpFamily::kIpv4 ? "IPv4" : "IPv6";
}

IpvsOptions ipvsOptions(const ProxyDaemonConfig& config) {
  IpvsOptions o;
  o.scheduler = config.ipvs_scheduler;
  return o;
}

Result<std::unique_ptr<Proxier>> makeNftablesProxier(IpFamily family) {
  auto ops = netfilter::openMnlNftOps();
  if (!ops.ok()) return ops.status().withContext("open nftables netlink socket");
  return newNftablesProxier(family, std::move(*ops));
}

Result<std::unique_ptr<Proxier>> makeProxier(const ProxyDaemonConfig& config, IpFamily family) {
  switch (config.mode) {
    case ProxyMode::kNftables:
      return makeNftablesProxier(family);
    case ProxyMode::kIptables:
      return newIptablesProxier(family, netfilter::makeExecIptablesRunner());
    case ProxyMode::kIpvs:
      return newIpvsProxier(family, ipvsOptions(config));
  }
  return Status::invalid("unknown proxy mode");
}

}  // namespace

Result<ProxyBackends> makeBackends(const ProxyDaemonConfig& config,
                                   const std::vector<IpFamily>& families) {
  ProxyBackends b;
  for (IpFamily f : families) {
    auto p = makeProxier(config, f);
    if (!p.ok())
      return p.status().withContext(std::string(proxyModeName(config.mode)) + " proxier for " +
                                    familyText(f));
    b.proxiers[f] = std::move(*p);
  }
  b.conntrack = newCtnetlinkConntrackCleaner();
  return b;
}

Status cleanupModes(const ProxyDaemonConfig& config, std::optional<ProxyMode> keep) {
  std::string failures;
  int code = 0;
  auto note = [&](const std::string& what, const Status& st) {
    if (st.isOk()) return;
    if (code == 0) code = st.code();
    if (!failures.empty()) failures += "; ";
    failures += what + ": " + st.message();
  };
  for (IpFamily f : {IpFamily::kIpv4, IpFamily::kIpv6}) {
    const std::string fam = familyText(f);
    if (keep != ProxyMode::kNftables) {
      auto proxier = makeNftablesProxier(f);
      note("nftables " + fam, proxier.ok() ? (*proxier)->cleanup() : proxier.status());
    }
    if (keep != ProxyMode::kIptables) {
      // Rules made through either iptables variant live in different kernel tables.
      for (auto [variant, name] :
           {std::pair{netfilter::IptablesVariant::kNft, "iptables-nft "},
            std::pair{netfilter::IptablesVariant::kLegacy, "iptables-legacy "}})
        note(name + fam, newIptablesProxier(f, netfilter::makeExecIptablesRunner(
                                                   variant, std::chrono::seconds(30)))
                             ->cleanup());
    }
    if (keep != ProxyMode::kIpvs) note("ipvs " + fam, cleanupIpvsLeftovers(f, ipvsOptions(config)));
  }
  if (code != 0) return Status::error(code, failures);
  return Status::ok();
}

}  // namespace orch::proxy
