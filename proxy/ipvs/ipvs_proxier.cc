#include "proxy/ipvs/ipvs_proxier.h"

#include <map>
#include <set>
#include <utility>
#include <vector>

#include "common/netlink/netns.h"
#include "common/netlink/sysctl.h"
#include "proxy/ipvs/genl_ipvs_ops.h"
#include "proxy/ipvs/ipvs_plan.h"

namespace orch::proxy {
namespace {

// First error wins; later ones are dropped (the core resyncs fully after any error).
class FirstError {
 public:
  void note(Status s) {
    if (!s.isOk() && first_.isOk()) first_ = std::move(s);
  }
  Status take() { return std::move(first_); }

 private:
  Status first_;
};

class IpvsProxier final : public Proxier {
 public:
  IpvsProxier(IpFamily family, const IpvsOptions& opts, IpvsDeps deps)
      : family_(family), opts_(opts), deps_(std::move(deps)) {
    plan_opts_ = {opts.scheduler, opts.table_name, opts.masquerade_mark};
  }

  Status sync(const ProxyState& state, const ChangeSet& changes) override {
    if (!deps_.ipvs) return Status::error(EOPNOTSUPP, "IPVS sync: kernel has no IP_VS");
    ORCH_RETURN_IF_ERROR(writeSysctls());
    std::vector<std::string> node_ips = state.node.node_port_ips;
    if (state.node.node_port_all_local) {
      auto local = deps_.link->nodeAddresses(family_);
      if (!local.ok()) return local.status().withContext("IPVS sync: list node addresses");
      node_ips = std::move(*local);
    }
    IpvsPlan plan = planIpvs(state, plan_opts_, node_ips);
    std::set<std::string> node_ip_set;
    for (const auto& ip : node_ips) node_ip_set.insert(ip);

    FirstError err;
    std::set<std::string> bound_before;
    err.note(syncAddresses(plan, bound_before));

    auto listed = deps_.ipvs->listServices();
    if (!listed.ok()) return listed.status().withContext("IPVS sync");
    std::map<VsKey, VirtualServer> current;
    for (auto& vs : *listed)
      if (vs.family == family_) current.emplace(vs.key(), std::move(vs));

    // Ours and no longer wanted: gone.
    for (const auto& [key, vs] : current) {
      if (plan.services.contains(key)) continue;
      bool ours = bound_before.contains(vs.address) || plan.bound_addresses.contains(vs.address) ||
                  node_ip_set.contains(vs.address) || applied_.contains(key);
      if (!ours) continue;
      Status st = deps_.ipvs->deleteService(vs);
      if (st.code() == ENOENT) st = Status::ok();
      err.note(std::move(st));
      applied_.erase(key);
    }
    for (auto it = applied_.begin(); it != applied_.end();)
      it = plan.services.contains(it->first) ? std::next(it) : applied_.erase(it);

    for (const auto& [key, planned] : plan.services) {
      auto cur = current.find(key);
      bool is_new = cur == current.end();
      bool touched = is_new;
      if (is_new) {
        Status st = deps_.ipvs->addService(planned.server);
        if (!st.isOk()) {
          err.note(std::move(st));
          applied_.erase(key);
          continue;
        }
      } else if (!sameAttributes(cur->second, planned.server)) {
        Status st = deps_.ipvs->updateService(planned.server);
        if (!st.isOk()) {
          err.note(std::move(st));
          applied_.erase(key);
          continue;
        }
        touched = true;
      }
      auto prev = applied_.find(key);
      bool need_dests = touched || changes.full || prev == applied_.end() ||
                        prev->second.destinations != planned.destinations ||
                        changes.services.contains(planned.owner);
      if (need_dests) {
        Status st = syncDestinations(planned, is_new);
        if (!st.isOk()) {
          err.note(std::move(st));
          applied_.erase(key);
          continue;
        }
      }
      applied_[key] = planned;
    }

    err.note(syncNft(plan, state.config, changes.full));
    counts_ = {
        {"virtual_servers", plan.services.size()},
        {"real_servers", 0},
        {"vip_addresses", plan.bound_addresses.size()},
        {"nft_set_elements", plan.cluster_ips.size() + plan.external_ips.size() +
                                 plan.node_ports.size() + plan.hairpin.size() +
                                 plan.no_endpoints.size() + plan.no_endpoint_node_ports.size()}};
    for (const auto& [key, p] : plan.services) counts_["real_servers"] += p.destinations.size();
    return err.take();
  }

  Status cleanup() override {
    FirstError err;
    if (deps_.ipvs) {
      if (opts_.cleanup_all_services) {
        err.note(deps_.ipvs->flush());
      } else {
        std::set<std::string> bound;
        auto addrs = deps_.link->addresses(family_);
        if (addrs.ok())
          bound.insert(addrs->begin(), addrs->end());
        else
          err.note(addrs.status().withContext("IPVS cleanup"));
        auto listed = deps_.ipvs->listServices();
        if (!listed.ok()) {
          err.note(listed.status().withContext("IPVS cleanup"));
        } else {
          for (const auto& vs : *listed) {
            if (vs.family != family_) continue;
            if (!bound.contains(vs.address) && !applied_.contains(vs.key())) continue;
            Status st = deps_.ipvs->deleteService(vs);
            if (st.code() != ENOENT) err.note(std::move(st));
          }
        }
      }
    }
    applied_.clear();
    err.note(deps_.link->remove());
    auto tables = deps_.nft->listTables(nftFamily());
    if (!tables.ok()) {
      err.note(tables.status().withContext("IPVS cleanup"));
    } else {
      for (const auto& t : *tables)
        if (t == opts_.table_name) err.note(deps_.nft->commit(deleteNftTable(family_, t)));
    }
    last_nft_.clear();
    counts_.clear();
    return err.take();
  }

  std::map<std::string, uint64_t> ruleCounts() const override { return counts_; }

 private:
  netfilter::Family nftFamily() const {
    return family_ == IpFamily::kIpv6 ? netfilter::Family::kIp6 : netfilter::Family::kIp;
  }

  static bool sameAttributes(const VirtualServer& a, const VirtualServer& b) {
    return a.scheduler == b.scheduler && a.flags == b.flags &&
           (!(a.flags & 1u) || a.timeout_s == b.timeout_s);  // timeout matters when persistent
  }

  Status writeSysctls() {
    if (sysctls_done_ || !deps_.write_sysctl) return Status::ok();
    std::vector<std::pair<std::string, std::string>> want = {
        {"net.ipv4.vs.conntrack", "1"},
        {"net.ipv4.vs.expire_nodest_conn", "1"},
        {"net.ipv4.vs.expire_quiescent_template", "1"},
        {"net.ipv4.ip_forward", "1"}};
    if (family_ == IpFamily::kIpv6) want.emplace_back("net.ipv6.conf.all.forwarding", "1");
    for (const auto& [k, v] : want)
      ORCH_RETURN_IF_ERROR(deps_.write_sysctl(k, v).withContext("IPVS sync"));
    sysctls_done_ = true;
    return Status::ok();
  }

  Status syncAddresses(const IpvsPlan& plan, std::set<std::string>& bound_before) {
    ORCH_RETURN_IF_ERROR(deps_.link->ensure().withContext("IPVS sync"));
    auto addrs = deps_.link->addresses(family_);
    if (!addrs.ok()) return addrs.status().withContext("IPVS sync");
    bound_before.insert(addrs->begin(), addrs->end());
    FirstError err;
    for (const auto& ip : plan.bound_addresses)
      if (!bound_before.contains(ip)) err.note(deps_.link->addAddress(ip));
    for (const auto& ip : bound_before)
      if (!plan.bound_addresses.contains(ip)) err.note(deps_.link->delAddress(ip));
    return err.take();
  }

  Status syncDestinations(const PlannedService& planned, bool is_new) {
    std::map<std::tuple<std::string, uint16_t>, RealServer> current;
    if (!is_new) {
      ORCH_ASSIGN_OR_RETURN(auto dsts, deps_.ipvs->listDestinations(planned.server));
      for (auto& d : dsts) current.emplace(d.key(), std::move(d));
    }
    FirstError err;
    std::set<std::tuple<std::string, uint16_t>> wanted;
    for (const auto& d : planned.destinations) {
      wanted.insert(d.key());
      auto cur = current.find(d.key());
      if (cur == current.end())
        err.note(deps_.ipvs->addDestination(planned.server, d));
      else if (cur->second.weight != d.weight || cur->second.fwd_method != d.fwd_method)
        err.note(deps_.ipvs->updateDestination(planned.server, d));
    }
    for (const auto& [key, d] : current) {
      if (wanted.contains(key)) continue;
      Status st = deps_.ipvs->deleteDestination(planned.server, d);
      if (st.code() != ENOENT) err.note(std::move(st));
    }
    return err.take();
  }

  Status syncNft(const IpvsPlan& plan, const ProxyConfig& config, bool full) {
    auto tx = planNftTable(plan, config, plan_opts_);
    if (!tx.ok()) return tx.status().withContext("IPVS sync: nft table");
    std::string text = tx->render();
    if (!full && text == last_nft_) return Status::ok();
    last_nft_.clear();
    ORCH_RETURN_IF_ERROR(deps_.nft->commit(*tx).withContext("IPVS sync: nft table"));
    last_nft_ = std::move(text);
    return Status::ok();
  }

  IpFamily family_;
  IpvsOptions opts_;
  IpvsPlanOptions plan_opts_;
  IpvsDeps deps_;
  bool sysctls_done_ = false;
  std::map<VsKey, PlannedService> applied_;  // what the kernel holds, as we last wrote it
  std::string last_nft_;                     // render of the last committed table
  std::map<std::string, uint64_t> counts_;
};

}  // namespace

std::unique_ptr<Proxier> newIpvsProxierWithDeps(IpFamily family, const IpvsOptions& opts,
                                                IpvsDeps deps) {
  return std::make_unique<IpvsProxier>(family, opts, std::move(deps));
}

Result<std::unique_ptr<Proxier>> newIpvsProxier(IpFamily family, const IpvsOptions& opts) {
  if (opts.scheduler.empty()) return Status::invalid("IPVS proxier: empty scheduler name");
  IpvsDeps deps;
  ORCH_ASSIGN_OR_RETURN(deps.ipvs, openGenlIpvsOps());
  ORCH_ASSIGN_OR_RETURN(deps.link, openNetlinkVipLink(opts.link_name));
  ORCH_ASSIGN_OR_RETURN(deps.nft, netfilter::openMnlNftOps());
  // /proc/sys/net shows the namespace of the thread that reads it, so the sysctls are
  // written from inside the namespace the sockets were opened in, whatever thread syncs.
  ORCH_ASSIGN_OR_RETURN(auto ns, netlink::NetNs::current());
  auto shared_ns = std::make_shared<netlink::NetNs>(std::move(ns));
  deps.write_sysctl = [shared_ns](std::string_view k, std::string_view v) {
    return shared_ns->run([&] { return netlink::writeSysctl(k, v); });
  };
  return newIpvsProxierWithDeps(family, opts, std::move(deps));
}

Status cleanupIpvsLeftovers(IpFamily family, const IpvsOptions& opts) {
  IpvsDeps deps;
  if (kernelHasIpvs()) {
    ORCH_ASSIGN_OR_RETURN(deps.ipvs, openGenlIpvsOps());
  }
  ORCH_ASSIGN_OR_RETURN(deps.link, openNetlinkVipLink(opts.link_name));
  ORCH_ASSIGN_OR_RETURN(deps.nft, netfilter::openMnlNftOps());
  return newIpvsProxierWithDeps(family, opts, std::move(deps))->cleanup();
}

}  // namespace orch::proxy
