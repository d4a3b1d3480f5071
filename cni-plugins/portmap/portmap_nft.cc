#include "cni-plugins/portmap/portmap_nft.h"

#include <linux/netfilter/nf_tables.h>
#include <netinet/in.h>

#include <algorithm>
#include <set>
#include <sstream>

#include "cni-plugins/bridge/netfilter_names.h"
#include "common/netfilter/nft_match.h"

namespace orch::cni::portmap {
namespace {

namespace nf = orch::netfilter;

const char* kChains[] = {"hostports", "hostip_hostports", "masquerading"};

uint8_t protoNumber(const std::string& p) {
  if (p == "udp") return IPPROTO_UDP;
  if (p == "sctp") return IPPROTO_SCTP;
  return IPPROTO_TCP;
}

std::string unquote(std::string s) {
  if (s.size() >= 2 && s.front() == '"' && s.back() == '"') return s.substr(1, s.size() - 2);
  return s;
}

// The match helpers guard address matches with "meta nfproto" for inet tables. In ip/ip6
// tables the family is implied, nft itself never writes the guard there, and nft 1.0.6
// aborts decoding such rules ("payload_expr_expand" assertion) — so drop it.
nf::Exprs withoutNfproto(const nf::Exprs& in) {
  nf::Exprs out;
  for (size_t i = 0; i < in.size(); ++i) {
    const auto* m = std::get_if<nf::Meta>(&in[i]);
    if (m && m->key == NFT_META_NFPROTO && i + 1 < in.size() &&
        std::holds_alternative<nf::Cmp>(in[i + 1])) {
      ++i;
      continue;
    }
    out.push_back(in[i]);
  }
  return out;
}

nf::Rule rule(nf::Family fam, const std::string& chain, nf::Exprs e, std::string comment = "") {
  return nf::Rule{fam, kNftTable, chain, withoutNfproto(e), std::move(comment), std::nullopt};
}

}  // namespace

Result<std::vector<nf::Expr>> parseNftConditions(const std::vector<std::string>& conds,
                                                 const std::string& field) {
  std::vector<std::string> toks;
  for (const auto& c : conds) {
    std::istringstream ss(c);
    std::string t;
    while (ss >> t) toks.push_back(t);
  }
  nf::Exprs out;
  size_t i = 0;
  auto bad = [&](const std::string& why) {
    return Status::invalid(field + ": unsupported condition (" + why + ")");
  };
  while (i < toks.size()) {
    const std::string& t = toks[i];
    bool neq = false;
    auto op = [&]() {
      if (i < toks.size() && (toks[i] == "!=" || toks[i] == "==")) {
        neq = toks[i] == "!=";
        ++i;
      }
    };
    if (t == "ip" || t == "ip6") {
      if (i + 2 >= toks.size() + 0 && i + 2 > toks.size()) return bad("incomplete \"" + t + "\"");
      if (i + 1 >= toks.size()) return bad("incomplete \"" + t + "\"");
      std::string dir = toks[i + 1];
      if (dir != "saddr" && dir != "daddr") return bad("\"" + t + " " + dir + "\"");
      i += 2;
      op();
      if (i >= toks.size()) return bad("missing address after \"" + t + " " + dir + "\"");
      std::string v = toks[i++];
      bool src = dir == "saddr";
      auto m = v.find('/') != std::string::npos ? nf::matchPrefix(src, v, neq)
                                                : nf::matchAddr(src, v, neq);
      if (!m.ok()) return bad(m.status().message());
      nf::append(out, *m);
    } else if (t == "iifname" || t == "oifname") {
      ++i;
      op();
      if (i >= toks.size()) return bad("missing name after \"" + t + "\"");
      nf::append(out, nf::matchIfname(t == "iifname", unquote(toks[i++]), neq));
    } else {
      return bad("\"" + t + "\"");
    }
  }
  return out;
}

std::string jumpRulesTag(const PortMapConf& conf, bool v6) {
  const auto& conds = v6 ? conf.conditions_v6 : conf.conditions_v4;
  std::string all;
  if (conds) {
    for (const auto& c : *conds) all += c + "\n";
  }
  return "cni-hostport-jumps " + bridge::formatHashWithPrefix(16, "", all);
}

Result<nf::Transaction> nftForwardPlan(const PortMapConf& conf, const std::string& container_id,
                                       const IpNet& container, bool jump_rules_current) {
  bool v6 = !container.ip.isV4();
  nf::Family fam = v6 ? nf::Family::kIp6 : nf::Family::kIp;
  nf::Exprs cond;
  const auto& conds = v6 ? conf.conditions_v6 : conf.conditions_v4;
  if (conds) {
    ORCH_ASSIGN_OR_RETURN(cond, parseNftConditions(*conds, v6 ? "conditionsV6" : "conditionsV4"));
  }
  nf::Transaction tx;
  tx.add(nf::AddTable{{fam, kNftTable}});
  tx.add(nf::AddChain{{fam, kNftTable, "hostports", std::nullopt}});
  tx.add(nf::AddChain{{fam, kNftTable, "hostip_hostports", std::nullopt}});
  nf::Chain pre{fam, kNftTable, "prerouting",
                nf::BaseChainSpec{"nat", nf::kHookPrerouting, -100, std::nullopt}};
  tx.add(nf::AddChain{pre});
  nf::Chain out{fam, kNftTable, "output",
                nf::BaseChainSpec{"nat", nf::kHookOutput, -100, std::nullopt}};
  tx.add(nf::AddChain{out});
  // The jump rules are rewritten (as the reference always does) unless they are ours for
  // these very conditions: replacing rules makes the kernel wait an RCU grace period when
  // the socket closes, which would dominate an ADD.
  if (!jump_rules_current) {
    std::string tag = jumpRulesTag(conf, v6);
    auto withCond = [&](nf::Exprs more) {
      nf::Exprs e = cond;
      nf::append(e, more);
      return e;
    };
    tx.add(nf::FlushChain{pre});
    tx.add(nf::AddRule{rule(fam, "prerouting", withCond(nf::jump("hostip_hostports")), tag)});
    tx.add(nf::AddRule{rule(fam, "prerouting", withCond(nf::jump("hostports")), tag)});
    tx.add(nf::FlushChain{out});
    tx.add(nf::AddRule{rule(fam, "output", withCond(nf::jump("hostip_hostports")), tag)});
    nf::Exprs local = nf::matchDaddrLocal();
    nf::append(local, nf::jump("hostports"));
    tx.add(nf::AddRule{rule(fam, "output", withCond(local), tag)});
  }
  if (conf.snat) {
    tx.add(nf::AddChain{{fam, kNftTable, "masquerading",
                         nf::BaseChainSpec{"nat", nf::kHookPostrouting, 100, std::nullopt}}});
  }
  std::string cip = container.ip.toString();
  for (const auto& m : conf.mappings) {
    bool use_host_ip = false;
    if (!m.host_ip.empty()) {
      auto hip = IpAddr::parse(m.host_ip);
      if (!hip.ok()) return hip.status();
      if (hip->isV4() == v6) continue;  // the other family's mapping
      use_host_ip = !(*hip == IpAddr::parse(hip->isV4() ? "0.0.0.0" : "::").value());
    }
    nf::Exprs e;
    if (use_host_ip) {
      ORCH_ASSIGN_OR_RETURN(auto d, nf::matchAddr(false, m.host_ip));
      nf::append(e, d);
    }
    nf::append(e, nf::matchL4proto(protoNumber(m.protocol)));
    nf::append(e, nf::matchDport(static_cast<uint16_t>(m.host_port)));
    ORCH_ASSIGN_OR_RETURN(auto dn, nf::dnatTo(cip, static_cast<uint16_t>(m.container_port)));
    nf::append(e, dn);
    tx.add(nf::AddRule{
        rule(fam, use_host_ip ? "hostip_hostports" : "hostports", std::move(e), container_id)});
  }
  if (conf.snat) {
    // Hairpin (container to its own host port) and, for IPv4, localhost.
    ORCH_ASSIGN_OR_RETURN(auto s, nf::matchAddr(true, cip));
    ORCH_ASSIGN_OR_RETURN(auto d, nf::matchAddr(false, cip));
    nf::Exprs e = s;
    nf::append(e, d);
    nf::append(e, nf::masquerade());
    tx.add(nf::AddRule{rule(fam, "masquerading", e, container_id)});
    if (!v6) {
      ORCH_ASSIGN_OR_RETURN(auto lo, nf::matchAddr(true, "127.0.0.1"));
      nf::Exprs l = lo;
      nf::append(l, d);
      nf::append(l, nf::masquerade());
      tx.add(nf::AddRule{rule(fam, "masquerading", l, container_id)});
    }
  }
  return tx;
}

Status nftForwardPorts(nf::NftOps& ops, const PortMapConf& conf, const std::string& container_id,
                       const IpNet& container) {
  bool v6 = !container.ip.isV4();
  nf::Family fam = v6 ? nf::Family::kIp6 : nf::Family::kIp;
  std::string tag = jumpRulesTag(conf, v6);
  bool current = true;
  for (const char* chain : {"prerouting", "output"}) {
    ORCH_ASSIGN_OR_RETURN(auto rules, ops.listRules(fam, kNftTable, chain));
    current &= rules.size() == 2 && rules[0].comment == tag && rules[1].comment == tag;
  }
  ORCH_ASSIGN_OR_RETURN(auto tx, nftForwardPlan(conf, container_id, container, current));
  return ops.commit(tx).withContext("unable to set up nftables rules for port mappings");
}

Status nftUnforwardPorts(nf::NftOps& ops, const std::string& container_id) {
  for (nf::Family fam : {nf::Family::kIp, nf::Family::kIp6}) {
    nf::Transaction tx;
    for (const char* chain : kChains) {
      ORCH_ASSIGN_OR_RETURN(auto rules, ops.listRules(fam, kNftTable, chain));
      for (const auto& r : rules) {
        if (r.comment == container_id) {
          tx.add(nf::DeleteRule{{fam, kNftTable, chain, {}, "", r.handle}});
        }
      }
    }
    if (!tx.empty()) {
      ORCH_RETURN_IF_ERROR(ops.commit(tx).withContext("error deleting nftables rules"));
    }
  }
  return Status::ok();
}

Status nftCheckPorts(nf::NftOps& ops, const PortMapConf& conf, const std::string& container_id,
                     const IpNet& container) {
  bool v6 = !container.ip.isV4();
  nf::Family fam = v6 ? nf::Family::kIp6 : nf::Family::kIp;
  int host_ports = 0, hostip_ports = 0, masq = 0;
  for (const auto& m : conf.mappings) (m.host_ip.empty() ? host_ports : hostip_ports)++;
  if (conf.snat) masq = v6 ? 1 : 2;
  auto check = [&](const char* chain, int want) -> Status {
    if (want == 0) return Status::ok();
    ORCH_ASSIGN_OR_RETURN(auto rules, ops.listRules(fam, kNftTable, chain));
    int found =
        static_cast<int>(std::count_if(rules.begin(), rules.end(), [&](const nf::RuleInfo& r) {
          return r.comment == container_id;
        }));
    if (found < want) {
      return Status::error(EIO, std::string("missing hostport rules in \"") + chain + "\" chain");
    }
    return Status::ok();
  };
  ORCH_RETURN_IF_ERROR(check("hostports", host_ports));
  ORCH_RETURN_IF_ERROR(check("hostip_hostports", hostip_ports));
  return check("masquerading", masq);
}

Status nftGc(nf::NftOps& ops, const std::vector<std::string>& valid_ids) {
  std::set<std::string> valid(valid_ids.begin(), valid_ids.end());
  for (nf::Family fam : {nf::Family::kIp, nf::Family::kIp6}) {
    nf::Transaction tx;
    for (const char* chain : kChains) {
      ORCH_ASSIGN_OR_RETURN(auto rules, ops.listRules(fam, kNftTable, chain));
      for (const auto& r : rules) {
        if (!r.comment.empty() && !valid.count(r.comment)) {
          tx.add(nf::DeleteRule{{fam, kNftTable, chain, {}, "", r.handle}});
        }
      }
    }
    if (!tx.empty()) ORCH_RETURN_IF_ERROR(ops.commit(tx));
  }
  return Status::ok();
}

}  // namespace orch::cni::portmap
