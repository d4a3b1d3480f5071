#pragma once
// In-memory fakes of what the IPVS proxier drives: the IPVS table, the VIP link and
// nftables. They record every mutating call so tests can check that a sync touched
// only what changed, and can be told to fail one operation.

#include <map>
#include <set>
#include <string>
#include <vector>

#include "common/netfilter/nft_ops.h"
#include "proxy/ipvs/ipvs_ops.h"
#include "proxy/ipvs/vip_link.h"

namespace orch::proxy::testing {

class FakeIpvsOps : public IpvsOps {
 public:
  struct Svc {
    VirtualServer vs;
    std::map<std::tuple<std::string, uint16_t>, RealServer> dests;
  };
  std::map<std::tuple<IpFamily, std::string, Protocol, uint16_t>, Svc> services;
  std::vector<std::string> calls;  // "add-svc udp 10.96.0.10:53", "add-dst ...", ...
  std::string fail_call;           // a call (as recorded) that fails with EIO
  int list_dest_calls = 0;

  Result<std::vector<VirtualServer>> listServices() override {
    std::vector<VirtualServer> out;
    for (const auto& [k, s] : services) out.push_back(s.vs);
    return out;
  }
  Status addService(const VirtualServer& svc) override {
    ORCH_RETURN_IF_ERROR(record("add-svc " + svc.str()));
    if (services.contains(svc.key())) return Status::exists("add " + svc.str());
    services[svc.key()] = Svc{svc, {}};
    return Status::ok();
  }
  Status updateService(const VirtualServer& svc) override {
    ORCH_RETURN_IF_ERROR(record("update-svc " + svc.str()));
    auto it = services.find(svc.key());
    if (it == services.end()) return Status::notFound("update " + svc.str());
    it->second.vs = svc;
    return Status::ok();
  }
  Status deleteService(const VirtualServer& svc) override {
    ORCH_RETURN_IF_ERROR(record("del-svc " + svc.str()));
    if (services.erase(svc.key()) == 0) return Status::notFound("delete " + svc.str());
    return Status::ok();
  }
  Result<std::vector<RealServer>> listDestinations(const VirtualServer& svc) override {
    ++list_dest_calls;
    auto it = services.find(svc.key());
    if (it == services.end()) return Status::notFound("list " + svc.str());
    std::vector<RealServer> out;
    for (const auto& [k, d] : it->second.dests) out.push_back(d);
    return out;
  }
  Status addDestination(const VirtualServer& svc, const RealServer& dst) override {
    ORCH_RETURN_IF_ERROR(record("add-dst " + svc.str() + " " + dst.str()));
    auto it = services.find(svc.key());
    if (it == services.end()) return Status::notFound("add dest");
    if (!it->second.dests.emplace(dst.key(), dst).second) return Status::exists("add dest");
    return Status::ok();
  }
  Status updateDestination(const VirtualServer& svc, const RealServer& dst) override {
    ORCH_RETURN_IF_ERROR(record("update-dst " + svc.str() + " " + dst.str()));
    auto it = services.find(svc.key());
    if (it == services.end() || !it->second.dests.contains(dst.key()))
      return Status::notFound("update dest");
    it->second.dests[dst.key()] = dst;
    return Status::ok();
  }
  Status deleteDestination(const VirtualServer& svc, const RealServer& dst) override {
    ORCH_RETURN_IF_ERROR(record("del-dst " + svc.str() + " " + dst.str()));
    auto it = services.find(svc.key());
    if (it == services.end() || it->second.dests.erase(dst.key()) == 0)
      return Status::notFound("delete dest");
    return Status::ok();
  }
  Status flush() override {
    ORCH_RETURN_IF_ERROR(record("flush"));
    services.clear();
    return Status::ok();
  }

  // The destinations of a service as "ip:port/weight" strings.
  std::vector<std::string> dests(const VirtualServer& key) const {
    std::vector<std::string> out;
    auto it = services.find(key.key());
    if (it == services.end()) return out;
    for (const auto& [k, d] : it->second.dests)
      out.push_back(d.str() + "/" + std::to_string(d.weight));
    return out;
  }

 private:
  Status record(std::string call) {
    calls.push_back(call);
    if (call == fail_call) return Status::error(EIO, call);
    return Status::ok();
  }
};

class FakeVipLink : public VipLink {
 public:
  bool exists = false;
  std::set<std::string> addrs;
  std::vector<std::string> node_addrs = {"192.0.2.1"};
  int ensure_calls = 0;
  std::vector<std::string> calls;

  Status ensure() override {
    ++ensure_calls;
    exists = true;
    return Status::ok();
  }
  Status remove() override {
    calls.push_back("remove");
    exists = false;
    addrs.clear();
    return Status::ok();
  }
  Result<std::vector<std::string>> addresses(IpFamily family) override {
    std::vector<std::string> out;
    for (const auto& a : addrs)
      if ((a.find(':') != std::string::npos) == (family == IpFamily::kIpv6)) out.push_back(a);
    return out;
  }
  Status addAddress(const std::string& ip) override {
    calls.push_back("add " + ip);
    if (!exists) return Status::error(ENODEV, "add address");
    addrs.insert(ip);
    return Status::ok();
  }
  Status delAddress(const std::string& ip) override {
    calls.push_back("del " + ip);
    addrs.erase(ip);
    return Status::ok();
  }
  Result<std::vector<std::string>> nodeAddresses(IpFamily) override { return node_addrs; }
};

class FakeNftOps : public netfilter::NftOps {
 public:
  std::vector<std::string> commits;  // rendered transactions
  std::set<std::string> tables;      // "ip orch-proxy-ipvs"

  Status commit(const netfilter::Transaction& tx) override {
    commits.push_back(tx.render());
    for (const auto& op : tx.ops()) {
      if (auto* a = std::get_if<netfilter::AddTable>(&op))
        tables.insert(netfilter::familyName(a->table.family) + " " + a->table.name);
      if (auto* d = std::get_if<netfilter::DeleteTable>(&op)) {
        std::string k = netfilter::familyName(d->table.family) + " " + d->table.name;
        if (!tables.contains(k)) return Status::notFound("delete table " + k);
        tables.erase(k);
      }
    }
    return Status::ok();
  }
  Result<std::vector<netfilter::RuleInfo>> listRules(netfilter::Family, std::string_view,
                                                     std::string_view) override {
    return std::vector<netfilter::RuleInfo>{};
  }
  Result<std::vector<std::string>> listTables(netfilter::Family family) override {
    std::vector<std::string> out;
    std::string prefix = netfilter::familyName(family) + " ";
    for (const auto& t : tables)
      if (t.starts_with(prefix)) out.push_back(t.substr(prefix.size()));
    return out;
  }
};

}  // namespace orch::proxy::testing
