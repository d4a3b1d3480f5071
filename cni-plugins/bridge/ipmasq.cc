#include "cni-plugins/bridge/ipmasq.h"

#include <unistd.h>

#include <climits>
#include <cstdlib>
#include <set>
#include <sstream>

#include "cni-plugins/bridge/netfilter_names.h"
#include "common/netfilter/iptables.h"
#include "common/netfilter/nft_match.h"
#include "common/netfilter/nft_ops.h"

namespace orch::cni::bridge {
namespace {

namespace nf = orch::netfilter;

std::string stripQuotes(std::string s) {
  std::string out;
  for (char c : s) {
    if (c != '"') out.push_back(c);
  }
  return out;
}

std::string networkOf(const IpNet& n) {
  return IpNet{n.network(), n.prefix}.toString();
}

// The absolute path of `bin` on PATH, "" when absent.
std::string findOnPath(const std::string& bin) {
  const char* path = std::getenv("PATH");
  std::string p = path ? path : "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
  std::stringstream ss(p);
  std::string dir;
  while (std::getline(ss, dir, ':')) {
    if (dir.empty()) continue;
    std::string full = dir + "/" + bin;
    if (::access(full.c_str(), X_OK) == 0) return full;
  }
  return "";
}

bool iptablesIsNft(const std::string& restore_path) {
  char buf[PATH_MAX];
  if (::realpath(restore_path.c_str(), buf) == nullptr) return false;
  return std::string(buf).find("nft") != std::string::npos;
}

Result<std::vector<nf::RuleInfo>> instanceRules(nf::NftOps& ops, const std::string& prefix) {
  ORCH_ASSIGN_OR_RETURN(auto rules, ops.listRules(nf::Family::kInet, kMasqTable, kMasqChain));
  std::vector<nf::RuleInfo> out;
  for (auto& r : rules) {
    if (r.comment.starts_with(prefix)) out.push_back(r);
  }
  return out;
}

nf::IpFamily iptFamily(bool v6) {
  return v6 ? nf::IpFamily::kV6 : nf::IpFamily::kV4;
}

Status setupIptables(const MasqKey& k, const std::vector<IpNet>& ips) {
  auto runner = nf::makeExecIptablesRunner();
  for (bool v6 : {false, true}) {
    std::vector<IpNet> fam;
    for (const auto& ip : ips) {
      if (ip.ip.isV4() != v6) fam.push_back(ip);
    }
    if (fam.empty()) continue;
    ORCH_ASSIGN_OR_RETURN(auto saved, runner->save(iptFamily(v6), "nat"));
    ORCH_ASSIGN_OR_RETURN(auto dumps, nf::parseIptablesSave(saved));
    std::string chain = formatChainName(k.network, k.container_id);
    std::vector<std::string> chain_rules, post_rules;
    for (const auto& d : dumps) {
      if (d.table != "nat") continue;
      for (const auto& r : d.rules) {
        if (r.starts_with("-A " + chain + " ")) chain_rules.push_back(r);
        if (r.starts_with("-A POSTROUTING ")) post_rules.push_back(r);
      }
    }
    std::string text = iptablesMasqSetupText(k, fam, chain_rules, post_rules);
    ORCH_RETURN_IF_ERROR(runner->restore(iptFamily(v6), text));
  }
  return Status::ok();
}

Status teardownIptables(const MasqKey& k) {
  std::string restore = findOnPath("iptables-restore");
  if (restore.empty()) return Status::ok();
  std::string chain = formatChainName(k.network, k.container_id);
  bool nft_backed = iptablesIsNft(restore);
  std::unique_ptr<nf::NftOps> ops;
  if (nft_backed) {
    auto o = nf::openMnlNftOps();
    if (o.ok()) ops = std::move(*o);
  }
  auto runner = nf::makeExecIptablesRunner();
  for (bool v6 : {false, true}) {
    // iptables-nft keeps its chains in nftables: when the chain is not there, there is
    // nothing to remove and no need to run iptables-save.
    if (ops) {
      auto rules = ops->listRules(v6 ? nf::Family::kIp6 : nf::Family::kIp, "nat", chain);
      if (rules.ok() && rules->empty()) {
        auto tables = ops->listTables(v6 ? nf::Family::kIp6 : nf::Family::kIp);
        bool has_nat = false;
        if (tables.ok()) {
          for (const auto& t : *tables) has_nat |= t == "nat";
        }
        if (!has_nat) continue;
        auto post = ops->listRules(v6 ? nf::Family::kIp6 : nf::Family::kIp, "nat", "POSTROUTING");
        if (post.ok() && post->empty()) continue;
      }
    }
    auto saved = runner->save(iptFamily(v6), "nat");
    if (!saved.ok()) {
      if (v6) continue;  // no ip6tables support: nothing was set up there
      return saved.status();
    }
    ORCH_ASSIGN_OR_RETURN(auto dumps, nf::parseIptablesSave(*saved));
    nf::IptablesRestoreText t;
    bool any = false;
    for (const auto& d : dumps) {
      if (d.table != "nat") continue;
      t.table("nat");
      bool have_chain = false;
      for (const auto& c : d.chains) have_chain |= c == chain;
      if (have_chain) t.chain(chain);
      for (const auto& r : d.rules) {
        if (r.starts_with("-A POSTROUTING ") && r.find("-j " + chain) != std::string::npos &&
            (r.size() == r.find("-j " + chain) + 3 + chain.size() ||
             r[r.find("-j " + chain) + 3 + chain.size()] == ' ')) {
          t.line("-D" + r.substr(2));
          any = true;
        }
      }
      if (have_chain) {
        t.line("-X " + chain);
        any = true;
      }
    }
    if (any) ORCH_RETURN_IF_ERROR(runner->restore(iptFamily(v6), t.str()));
  }
  return Status::ok();
}

}  // namespace

std::string masqNetworkHash(const std::string& network) {
  return formatHashWithPrefix(16, "", network);
}

std::string masqInstanceHash(const MasqKey& k) {
  return masqNetworkHash(k.network) + "-" +
         formatHashWithPrefix(16, "", k.ifname + ":" + k.container_id);
}

std::string masqComment(const MasqKey& k) {
  std::string c = masqInstanceHash(k) + ", net: " + stripQuotes(k.network) +
                  ", if: " + stripQuotes(k.ifname) + ", id: " + stripQuotes(k.container_id);
  if (c.size() > 128) c.resize(128);  // knftables.CommentLengthMax
  return c;
}

Result<nf::Transaction> nftMasqSetupPlan(const MasqKey& k, const std::vector<IpNet>& ips,
                                         const std::vector<uint64_t>& stale_handles) {
  nf::Transaction tx;
  const auto fam = nf::Family::kInet;
  tx.add(nf::AddTable{{fam, kMasqTable}});
  tx.add(nf::AddChain{{fam, kMasqTable, kMasqChain, std::nullopt}});
  nf::Chain post{fam, kMasqTable, "postrouting",
                 nf::BaseChainSpec{"nat", nf::kHookPostrouting, 100, std::nullopt}};
  tx.add(nf::AddChain{post});
  tx.add(nf::FlushChain{post});
  for (const char* mc : {"224.0.0.0/4", "ff00::/8"}) {
    ORCH_ASSIGN_OR_RETURN(auto m, nf::matchPrefix(false, mc));
    nf::append(m, nf::ret());
    tx.add(nf::AddRule{{fam, kMasqTable, "postrouting", m, "", std::nullopt}});
  }
  tx.add(nf::AddRule{{fam, kMasqTable, "postrouting", nf::goTo(kMasqChain), "", std::nullopt}});
  for (uint64_t h : stale_handles) {
    tx.add(nf::DeleteRule{{fam, kMasqTable, kMasqChain, {}, "", h}});
  }
  std::string comment = masqComment(k);
  for (const auto& ip : ips) {
    ORCH_ASSIGN_OR_RETURN(auto e, nf::matchAddr(true, ip.ip.toString()));
    ORCH_ASSIGN_OR_RETURN(auto d, nf::matchPrefix(false, networkOf(ip), true));
    nf::append(e, d);
    nf::append(e, nf::masquerade());
    tx.add(nf::AddRule{{fam, kMasqTable, kMasqChain, e, comment, std::nullopt}});
  }
  return tx;
}

std::string iptablesMasqSetupText(const MasqKey& k, const std::vector<IpNet>& ips,
                                  const std::vector<std::string>& existing_chain_rules,
                                  const std::vector<std::string>& postrouting_rules) {
  std::string chain = formatChainName(k.network, k.container_id);
  std::string comment = nf::iptablesQuote(formatComment(k.network, k.container_id));
  nf::IptablesRestoreText t;
  t.table("nat");
  bool chain_exists = !existing_chain_rules.empty();
  // AppendUnique, as the reference: a rule already in the chain is not added again.
  auto has = [](const std::vector<std::string>& rules, const std::vector<std::string>& parts) {
    for (const auto& r : rules) {
      bool all = true;
      for (const auto& p : parts) all &= r.find(p) != std::string::npos;
      if (all) return true;
    }
    return false;
  };
  if (!chain_exists) t.chain(chain);
  std::vector<std::string> added;
  bool masq_present = has(existing_chain_rules, {"-j MASQUERADE"});
  for (const auto& ip : ips) {
    std::string net = networkOf(ip);
    if (!has(existing_chain_rules, {"-d " + net + " ", "-j ACCEPT"}) &&
        !has(added, {"-d " + net + " "})) {
      std::string r = "-A " + chain + " -d " + net + " -j ACCEPT -m comment --comment " + comment;
      t.line(r);
      added.push_back(r);
    }
    if (!masq_present) {
      std::string mc = ip.ip.isV4() ? "224.0.0.0/4" : "ff00::/8";
      t.line("-A " + chain + " ! -d " + mc + " -j MASQUERADE -m comment --comment " + comment);
      masq_present = true;
    }
    std::string src = ip.ip.toString() + (ip.ip.isV4() ? "/32" : "/128");
    if (!has(postrouting_rules, {"-s " + src + " ", "-j " + chain})) {
      t.line("-A POSTROUTING -s " + src + " -j " + chain + " -m comment --comment " + comment);
    }
  }
  return t.str();
}

std::string defaultMasqBackend() {
  return findOnPath("iptables-restore").empty() ? "nftables" : "iptables";
}

Status setupIpMasq(const std::string& backend, const MasqKey& k, const std::vector<IpNet>& ips) {
  if (backend == "iptables") return setupIptables(k, ips);
  ORCH_ASSIGN_OR_RETURN(auto ops, nf::openMnlNftOps());
  ORCH_ASSIGN_OR_RETURN(auto stale, instanceRules(*ops, masqInstanceHash(k)));
  std::vector<uint64_t> handles;
  for (const auto& r : stale) handles.push_back(r.handle);
  ORCH_ASSIGN_OR_RETURN(auto tx, nftMasqSetupPlan(k, ips, handles));
  return ops->commit(tx).withContext("ipMasq nftables");
}

Status teardownIpMasq(const MasqKey& k) {
  Status ipt = teardownIptables(k);
  auto ops = nf::openMnlNftOps();
  if (!ops.ok()) return ipt.isOk() ? ops.status() : ipt;
  auto rules = instanceRules(**ops, masqInstanceHash(k));
  if (!rules.ok()) return rules.status();
  if (!rules->empty()) {
    nf::Transaction tx;
    for (const auto& r : *rules) {
      tx.add(nf::DeleteRule{{nf::Family::kInet, kMasqTable, kMasqChain, {}, "", r.handle}});
    }
    Status s = (*ops)->commit(tx);
    if (!s.isOk()) return s.withContext("ipMasq nftables teardown");
  }
  return ipt;
}

Result<bool> nftMasqPresent(const MasqKey& k) {
  ORCH_ASSIGN_OR_RETURN(auto ops, nf::openMnlNftOps());
  ORCH_ASSIGN_OR_RETURN(auto rules, instanceRules(*ops, masqInstanceHash(k)));
  return !rules.empty();
}

}  // namespace orch::cni::bridge
