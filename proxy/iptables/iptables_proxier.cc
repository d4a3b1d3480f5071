#include "proxy/iptables/iptables_proxier.h"

#include <atomic>
#include <optional>

#include "proxy/iptables/chain_names.h"
#include "proxy/iptables/iptables_plan.h"

namespace orch::proxy {

namespace {

namespace nf = netfilter;
using iptables::IptablesPlan;
using iptables::KernelSnapshot;

// The target of "-A CHAIN ... -j TARGET ...", or "".
std::string jumpTarget(const std::string& rule) {
  size_t p = rule.find(" -j ");
  if (p == std::string::npos) return "";
  p += 4;
  size_t end = rule.find(' ', p);
  return rule.substr(p, end == std::string::npos ? end : end - p);
}

// The chain of "-A CHAIN ...".
std::string ruleChain(const std::string& rule) {
  size_t end = rule.find(' ', 3);
  return rule.substr(3, end == std::string::npos ? end : end - 3);
}

bool ours(const std::string& chain) {
  return chain.starts_with(iptables::kChainPrefix);
}

class IptablesProxier final : public Proxier {
 public:
  IptablesProxier(IpFamily family, std::unique_ptr<nf::IptablesRunner> runner)
      : family_(family == IpFamily::kIpv4 ? nf::IpFamily::kV4 : nf::IpFamily::kV6),
        proxy_family_(family),
        runner_(std::move(runner)) {}

  Status sync(const ProxyState& state, const ChangeSet& changes) override {
    if (state.config.family != proxy_family_) {
      return Status::invalid("iptables sync: state is of the other IP family");
    }
    const IptablesPlan* previous = need_full_ || !plan_ ? nullptr : &*plan_;
    std::optional<KernelSnapshot> kernel;
    if (iptables::needsFullPlan(state, previous, changes)) {
      auto snap = snapshot();
      if (!snap.ok()) {
        need_full_ = true;
        return snap.status().withContext("iptables sync");
      }
      kernel = std::move(*snap);
    }
    auto out = iptables::planIptables(state, previous, changes, kernel ? &*kernel : nullptr);
    if (!out.restore.empty()) {
      Status st = runner_->restore(family_, out.restore);
      if (!st.isOk()) {
        need_full_ = true;
        return st.withContext(out.full ? "iptables full sync" : "iptables partial sync");
      }
    }
    plan_ = std::move(out.plan);
    need_full_ = false;
    rules_ = plan_->rules;
    chains_ = plan_->chains;
    return Status::ok();
  }

  Status cleanup() override {
    // Whatever happens, the next sync starts from scratch.
    need_full_ = true;
    plan_.reset();
    rules_ = 0;
    chains_ = 0;
    std::string text;
    for (const char* table : {"filter", "nat"}) {
      ORCH_ASSIGN_OR_RETURN(auto dump, saveTable(table));
      nf::IptablesRestoreText t;
      std::vector<std::string> chains;
      for (const auto& c : dump.chains) {
        if (ours(c)) chains.push_back(c);
      }
      std::vector<std::string> jumps;
      for (const auto& r : dump.rules) {
        if (!ours(ruleChain(r)) && ours(jumpTarget(r))) jumps.push_back(r);
      }
      if (chains.empty() && jumps.empty()) continue;
      // Declared (flushed) in the planner's balanced order: much faster to restore.
      chains = iptables::balancedOrder(std::move(chains));
      t.table(table);
      for (const auto& r : jumps) t.line("-D" + r.substr(2));
      for (const auto& c : chains) t.chain(c);  // flush: no references between ours remain
      for (const auto& c : chains) t.line("-X " + c);
      text += t.str();
    }
    if (text.empty()) return Status::ok();
    return runner_->restore(family_, text).withContext("iptables cleanup");
  }

  std::map<std::string, uint64_t> ruleCounts() const override {
    return {{"rules", rules_.load()}, {"chains", chains_.load()}};
  }

 private:
  Result<nf::IptablesTableDump> saveTable(const char* table) {
    ORCH_ASSIGN_OR_RETURN(auto text, runner_->save(family_, table));
    ORCH_ASSIGN_OR_RETURN(auto dumps, nf::parseIptablesSave(text));
    for (auto& d : dumps) {
      if (d.table == table) return std::move(d);
    }
    return nf::IptablesTableDump{table, {}, {}};
  }

  Result<KernelSnapshot> snapshot() {
    KernelSnapshot snap;
    for (const char* table : {"filter", "nat"}) {
      ORCH_ASSIGN_OR_RETURN(auto dump, saveTable(table));
      auto& chains = std::string(table) == "nat" ? snap.nat_chains : snap.filter_chains;
      for (const auto& c : dump.chains) {
        if (ours(c)) chains.insert(c);
      }
      for (const auto& r : dump.rules) {
        std::string from = ruleChain(r), to = jumpTarget(r);
        if (!ours(from) && ours(to)) {
          snap.jumps.insert(std::string(table) + " " + from + " " + to);
          (std::string(table) == "nat" ? snap.nat_jump_rules : snap.filter_jump_rules).push_back(r);
        }
      }
    }
    return snap;
  }

  nf::IpFamily family_;
  IpFamily proxy_family_;
  std::unique_ptr<nf::IptablesRunner> runner_;
  std::optional<IptablesPlan> plan_;
  bool need_full_ = true;
  // What ruleCounts() reports; atomics so a metrics thread may read them during a sync.
  std::atomic<uint64_t> rules_{0}, chains_{0};
};

}  // namespace

std::unique_ptr<Proxier> newIptablesProxier(IpFamily family,
                                            std::unique_ptr<netfilter::IptablesRunner> runner) {
  return std::make_unique<IptablesProxier>(family, std::move(runner));
}

}  // namespace orch::proxy
