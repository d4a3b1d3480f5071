#pragma once
// The nftables backend of portmap, in the reference's layout so either implementation
// removes the other's rules: table "cni_hostport" in family ip (and ip6) with regular
// chains hostports and hostip_hostports, base chains prerouting (nat, dstnat) and output
// (nat, dstnat; "fib daddr type local" before hostports) jumping to them, and masquerading
// (nat, srcnat) for hairpin and localhost SNAT. Each mapping rule carries the container ID
// as its comment. Plans are pure; the functions taking NftOps act in its namespace.

#include <string>
#include <vector>

#include "cni-plugins/portmap/portmap_config.h"
#include "common/netfilter/nft_objects.h"
#include "common/netfilter/nft_ops.h"

namespace orch::cni::portmap {

inline constexpr const char* kNftTable = "cni_hostport";

// Translates reference-style nft conditions ("ip saddr 10.0.0.0/8", "iifname != eth0", ...)
// into expressions. Supported: ip/ip6 saddr/daddr ADDR|PREFIX, iifname/oifname NAME, each
// with an optional == or !=. Anything else is EINVAL naming `field`.
Result<std::vector<netfilter::Expr>> parseNftConditions(const std::vector<std::string>& conds,
                                                        const std::string& field);

// The comment on our prerouting/output jump rules: it names the conditions they were made
// for, so an ADD can tell that they need no rewrite.
std::string jumpRulesTag(const PortMapConf& conf, bool v6);

// The transaction that sets up the mappings of one container address; the prerouting and
// output jump rules are flushed and rewritten unless `jump_rules_current`.
Result<netfilter::Transaction> nftForwardPlan(const PortMapConf& conf,
                                              const std::string& container_id,
                                              const IpNet& container,
                                              bool jump_rules_current = false);

Status nftForwardPorts(netfilter::NftOps& ops, const PortMapConf& conf,
                       const std::string& container_id, const IpNet& container);
// Deletes every rule commented with `container_id` in both families' tables.
Status nftUnforwardPorts(netfilter::NftOps& ops, const std::string& container_id);
// EIO naming the chain when fewer rules than expected carry the container ID.
Status nftCheckPorts(netfilter::NftOps& ops, const PortMapConf& conf,
                     const std::string& container_id, const IpNet& container);
// Deletes rules whose comment is not one of `valid_ids`.
Status nftGc(netfilter::NftOps& ops, const std::vector<std::string>& valid_ids);

}  // namespace orch::cni::portmap
