#include "proxy/nftables/nftables_proxier.h"

#include <optional>

#include "proxy/nftables/nft_planner.h"

namespace orch::proxy {

namespace {

// The shared chains of the layout (nft_layout.cc fixedChains).
constexpr uint64_t kFixedChains = 12;

class NftablesProxier final : public Proxier {
 public:
  NftablesProxier(IpFamily family, std::unique_ptr<netfilter::NftOps> ops)
      : family_(family), ops_(std::move(ops)) {}

  Status sync(const ProxyState& state, const ChangeSet& changes) override {
    if (state.config.family != family_) {
      ProxyState copy = state;  // a caller's slip; plan for our own family anyway
      copy.config.family = family_;
      return syncFamily(copy, changes);
    }
    return syncFamily(state, changes);
  }

  Status cleanup() override {
    Status s = ops_->commit(planCleanup(family_));
    if (!s.isOk()) return s.withContext("remove nftables table orch-proxy");
    kernel_.reset();
    return Status::ok();
  }

  std::map<std::string, uint64_t> ruleCounts() const override {
    if (!kernel_) return {{"rules", 0}, {"chains", 0}, {"map_elements", 0}};
    uint64_t hairpin = kernel_->hairpin.size();
    return {{"rules", kernel_->shared_rules + kernel_->service_rules},
            {"chains", kFixedChains + kernel_->chains.size() + kernel_->service_chains},
            {"map_elements", kernel_->service_elements + kernel_->shared_elements + hairpin},
            {"services", kernel_->services.size()}};
  }

 private:
  Status syncFamily(const ProxyState& state, const ChangeSet& changes) {
    const NftKernelState* prev = kernel_ ? &*kernel_ : nullptr;
    NftPlan plan = planNftables(state, prev, changes, /*recreate=*/prev == nullptr);
    Status s = plan.tx.empty() ? Status::ok() : ops_->commit(plan.tx);
    if (s.isOk()) {
      if (!kernel_) kernel_.emplace();
      applyPlan(*kernel_, std::move(plan));
      return Status::ok();
    }
    // The kernel holds the previous content (the batch is atomic), which may not be
    // what we think: start over with the whole table.
    kernel_.reset();
    NftPlan full = planNftables(state, nullptr, ChangeSet{}, /*recreate=*/true);
    Status again = ops_->commit(full.tx);
    if (!again.isOk()) {
      return again.withContext("nftables sync (after \"" + s.message() + "\")");
    }
    kernel_.emplace();
    applyPlan(*kernel_, std::move(full));
    return Status::ok();
  }

  IpFamily family_;
  std::unique_ptr<netfilter::NftOps> ops_;
  std::optional<NftKernelState> kernel_;
};

}  // namespace

std::unique_ptr<Proxier> newNftablesProxier(IpFamily family,
                                            std::unique_ptr<netfilter::NftOps> ops) {
  return std::make_unique<NftablesProxier>(family, std::move(ops));
}

}  // namespace orch::proxy
