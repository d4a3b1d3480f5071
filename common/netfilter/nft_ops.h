#pragma once
// The contract for talking to nftables. The real implementation (mnl_nft_ops.cc)
// speaks netlink through libnftnl + libmnl; tests may substitute a fake.
//
// An NftOps is bound to the network namespace that was current on the thread that
// created it (a netlink socket belongs to the namespace it was opened in).
// Instances are not thread-safe; use one per thread.

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/base/status.h"
#include "common/netfilter/nft_objects.h"

namespace orch::netfilter {

struct RuleInfo {
  std::string chain;
  uint64_t handle = 0;
  std::string comment;  // empty when the rule has none
};

class NftOps {
 public:
  virtual ~NftOps() = default;
  // Sends the transaction as one atomic batch. On error nothing was applied; the
  // Status names the failing operation ("add rule to inet t/c: ENOENT").
  virtual Status commit(const Transaction& tx) = 0;
  // The rules of one chain, in order. An absent table or chain gives an empty list.
  virtual Result<std::vector<RuleInfo>> listRules(Family family, std::string_view table,
                                                  std::string_view chain) = 0;
  // The names of the tables of `family`.
  virtual Result<std::vector<std::string>> listTables(Family family) = 0;
};

// Opens a netfilter netlink socket in the calling thread's network namespace.
Result<std::unique_ptr<NftOps>> openMnlNftOps();

}  // namespace orch::netfilter
