#include "proxy/ipvs/vip_link.h"

#include <linux/rtnetlink.h>

#include "common/netlink/netlink.h"

namespace orch::proxy {
namespace {

netlink::IpFamily toNl(IpFamily f) {
  return f == IpFamily::kIpv6 ? netlink::IpFamily::kV6 : netlink::IpFamily::kV4;
}

class NetlinkVipLink final : public VipLink {
 public:
  NetlinkVipLink(netlink::Netlink nl, std::string name) : nl_(std::move(nl)), name_(name) {}

  Status ensure() override {
    auto link = nl_.getLink(name_);
    if (link.ok()) return Status::ok();
    if (link.status().code() != ENODEV) return link.status();
    Status st = nl_.createDummy(name_);
    if (st.isOk() || st.code() == EEXIST) return Status::ok();
    // No dummy driver (this kernel): a veth whose peer stays down holds addresses too.
    Status veth = nl_.createVeth({.name = name_, .peer_name = name_ + "p"});
    if (veth.isOk() || veth.code() == EEXIST) return Status::ok();
    return veth.withContext("create VIP link " + name_ + " (dummy: " + st.message() + ")");
  }

  Status remove() override {
    Status st = nl_.deleteLink(name_);
    if (st.isOk() || st.code() == ENODEV) return Status::ok();
    return st;
  }

  Result<std::vector<std::string>> addresses(IpFamily family) override {
    auto addrs = nl_.listAddresses(name_, toNl(family));
    if (!addrs.ok()) {
      if (addrs.status().code() == ENODEV) return std::vector<std::string>{};
      return addrs.status();
    }
    std::vector<std::string> out;
    for (const auto& a : *addrs) out.push_back(a.prefix.address().toString());
    return out;
  }

  Status addAddress(const std::string& ip) override {
    ORCH_ASSIGN_OR_RETURN(auto addr, netlink::IpAddress::parse(ip));
    Status st = nl_.addAddress(name_, {.prefix = netlink::IpPrefix::host(addr),
                                       .flags = addr.isV6() ? uint32_t{IFA_F_NODAD} : 0u});
    return st.code() == EEXIST ? Status::ok() : st;
  }

  Status delAddress(const std::string& ip) override {
    ORCH_ASSIGN_OR_RETURN(auto addr, netlink::IpAddress::parse(ip));
    Status st = nl_.delAddress(name_, netlink::IpPrefix::host(addr));
    return st.code() == EADDRNOTAVAIL || st.code() == ENODEV ? Status::ok() : st;
  }

  Result<std::vector<std::string>> nodeAddresses(IpFamily family) override {
    ORCH_ASSIGN_OR_RETURN(auto links, nl_.listLinks());
    std::vector<std::string> out;
    for (const auto& link : links) {
      if (link.name == name_ || link.name == "lo") continue;
      auto addrs = nl_.listAddresses(link.name, toNl(family));
      if (!addrs.ok()) continue;  // the link went away meanwhile
      for (const auto& a : *addrs) {
        if (a.scope == RT_SCOPE_LINK || a.scope == RT_SCOPE_HOST) continue;
        out.push_back(a.prefix.address().toString());
      }
    }
    return out;
  }

 private:
  netlink::Netlink nl_;
  std::string name_;
};

}  // namespace

Result<std::unique_ptr<VipLink>> openNetlinkVipLink(const std::string& name) {
  ORCH_ASSIGN_OR_RETURN(auto nl, netlink::Netlink::open());
  return std::unique_ptr<VipLink>(std::make_unique<NetlinkVipLink>(std::move(nl), name));
}

}  // namespace orch::proxy
