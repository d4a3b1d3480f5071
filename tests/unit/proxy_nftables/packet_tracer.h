#pragma once
// A packet tracer over planned nftables transactions, without root (as kube-proxy's
// nftables tests do): NftModel applies Transactions as the kernel would (atomically,
// with the kernel's errors for missing objects and clashing elements) and evaluates
// a synthetic packet through the hooks it would cross, interpreting the rule
// expressions register by register.
//
// Paths: a packet arriving (prerouting -> input when the destination is local after
// DNAT, else forward -> postrouting) or locally generated (output -> postrouting).
// Every packet is the first of a new connection. numgen is enumerated: trace()
// returns the outcome for every value the rule's modulus allows.
//
// Also usable as a fake NftOps (FakeNftOps) for Proxier tests.

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "common/base/status.h"
#include "common/netfilter/nft_ops.h"
#include "proxy/core/service_model.h"

namespace orch::proxy::testing {

struct Packet {
  std::string src, dst;
  Protocol proto = Protocol::kTcp;
  uint16_t sport = 40000, dport = 0;
  bool locally_generated = false;  // output hook instead of prerouting
  uint32_t mark = 0;
};

struct TraceResult {
  enum class Verdict { kAccept, kDrop, kReject };
  Verdict verdict = Verdict::kAccept;
  bool tcp_reset = false;  // with kReject: TCP RST (else ICMP port unreachable)
  std::string dnat;        // "10.1.0.1:8080" when DNATed ("[fd00::1]:80" for v6)
  bool masquerade = false;
  std::vector<std::string> chains;  // the chains evaluated, in order

  // "dnat 10.1.0.1:8080 masquerade", "reject icmp", "drop", "accept" ...
  std::string str() const;
};

class NftModel {
 public:
  // Applies the whole transaction or nothing.
  Status apply(const netfilter::Transaction& tx);
  // Addresses fib "daddr type local" answers for.
  void setLocalAddresses(std::vector<std::string> addrs) { local_ = std::move(addrs); }

  // Every outcome (one per numgen value), without changing dynamic sets.
  Result<std::vector<TraceResult>> trace(const Packet& p) const;
  // One evaluation with numgen yielding `numgen`; dynamic set updates (affinity) kept.
  Result<TraceResult> traceOnce(const Packet& p, uint32_t numgen = 0);

  bool hasTable() const { return !tables_.empty(); }
  size_t elementCount(const std::string& set) const;
  std::vector<std::string> setNames() const;  // of every table, sorted
  size_t ruleCount() const;
  size_t chainCount() const;

  struct SetState {
    netfilter::Set spec;
    std::map<netfilter::Bytes, netfilter::Element> elements;
  };
  struct TableState {
    std::map<std::string, netfilter::Chain> chains;
    std::map<std::string, std::vector<netfilter::Rule>> rules;
    std::map<std::string, SetState> sets;
  };

 private:
  Result<TraceResult> run(const Packet& p, uint32_t numgen, uint32_t* modulus_seen,
                          std::map<std::string, TableState>& tables) const;

  std::map<std::string, TableState> tables_;  // by "family name"
  std::vector<std::string> local_;
};

// An NftOps over an NftModel (commit applies; listRules lists with handles 1..n).
class FakeNftOps : public netfilter::NftOps {
 public:
  explicit FakeNftOps(NftModel* model) : model_(model) {}
  Status commit(const netfilter::Transaction& tx) override;
  Result<std::vector<netfilter::RuleInfo>> listRules(netfilter::Family family,
                                                     std::string_view table,
                                                     std::string_view chain) override;
  Result<std::vector<std::string>> listTables(netfilter::Family family) override;

  int commits = 0;
  int failures = 0;
  // The next `fail_commits` commits fail with `fail_status`, e.g. to test the fallback.
  int fail_commits = 0;
  Status fail_status = Status::error(EINVAL, "injected failure");
  std::vector<std::string> committed;  // render() of each successful transaction

 private:
  NftModel* model_;
};

}  // namespace orch::proxy::testing
