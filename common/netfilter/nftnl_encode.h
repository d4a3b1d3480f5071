#pragma once
// Conversion of the plain nftables values into libnftnl objects (internal to the
// netlink applier). Each returned pointer is owned by a unique_ptr with the
// matching libnftnl free function.

#include <libnftnl/chain.h>
#include <libnftnl/rule.h>
#include <libnftnl/set.h>
#include <libnftnl/table.h>

#include <cstdint>
#include <memory>

#include "common/netfilter/nft_objects.h"

namespace orch::netfilter::detail {

// nft's userdata type for a rule comment (NFTNL_UDATA_RULE_COMMENT).
inline constexpr uint8_t kRuleCommentUdata = 0;

struct TableFree {
  void operator()(nftnl_table* t) const { nftnl_table_free(t); }
};
struct ChainFree {
  void operator()(nftnl_chain* c) const { nftnl_chain_free(c); }
};
struct RuleFree {
  void operator()(nftnl_rule* r) const { nftnl_rule_free(r); }
};
struct SetFree {
  void operator()(nftnl_set* s) const { nftnl_set_free(s); }
};

using TablePtr = std::unique_ptr<nftnl_table, TableFree>;
using ChainPtr = std::unique_ptr<nftnl_chain, ChainFree>;
using RulePtr = std::unique_ptr<nftnl_rule, RuleFree>;
using SetPtr = std::unique_ptr<nftnl_set, SetFree>;

TablePtr encodeTable(const Table& t);
ChainPtr encodeChain(const Chain& c);
RulePtr encodeRule(const Rule& r);
// The set itself; `with_spec` adds key/data types and flags (needed to create it).
SetPtr encodeSet(const Set& s, bool with_spec);
// The set carrying `elems` (from `begin`, at most `count`) for NEWSETELEM/DELSETELEM.
SetPtr encodeElements(const Set& s, const std::vector<Element>& elems, size_t begin, size_t count);

}  // namespace orch::netfilter::detail
