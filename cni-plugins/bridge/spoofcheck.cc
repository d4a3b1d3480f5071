#include "cni-plugins/bridge/spoofcheck.h"

#include "common/netfilter/nft_match.h"
#include "common/netfilter/nft_ops.h"
#include "common/netlink/ip_address.h"

namespace orch::cni::bridge {
namespace {

namespace nf = orch::netfilter;
constexpr nf::Family kFam = nf::Family::kBridge;
constexpr const char* kTable = "nat";
constexpr const char* kBase = "PREROUTING";

std::string ifaceChain(const std::string& id) {
  return "cni-br-iface-" + id;
}
std::string macChain(const std::string& id) {
  return ifaceChain(id) + "-mac";
}
std::string comment(const std::string& id) {
  return "macspoofchk-" + id;
}

nf::Chain chain(const std::string& name) {
  return nf::Chain{kFam, kTable, name, std::nullopt};
}

}  // namespace

std::string spoofCheckId(const std::string& container_id, const std::string& ifname) {
  return container_id + "-" + ifname;
}

nf::Transaction spoofCheckBasePlan(const std::string& id) {
  nf::Transaction tx;
  tx.add(nf::AddTable{{kFam, kTable}});
  tx.add(nf::AddChain{
      nf::Chain{kFam, kTable, kBase,
                nf::BaseChainSpec{"filter", nf::kHookPrerouting, -300, 1u /* NF_ACCEPT */}}});
  tx.add(nf::AddChain{chain(ifaceChain(id))});
  tx.add(nf::AddChain{chain(macChain(id))});
  return tx;
}

Result<nf::Transaction> spoofCheckRulesPlan(const std::string& host_iface, const std::string& mac,
                                            const std::string& id) {
  ORCH_ASSIGN_OR_RETURN(auto mac_bytes, netlink::parseMac(mac));
  nf::Transaction tx;
  tx.add(nf::FlushChain{chain(ifaceChain(id))});
  tx.add(nf::FlushChain{chain(macChain(id))});
  nf::Exprs jump_iface = nf::matchIfname(true, host_iface);
  nf::append(jump_iface, nf::jump(ifaceChain(id)));
  tx.add(nf::AddRule{{kFam, kTable, kBase, jump_iface, comment(id), std::nullopt}});
  tx.add(nf::AddRule{
      {kFam, kTable, ifaceChain(id), nf::jump(macChain(id)), comment(id), std::nullopt}});
  // ether saddr == mac return
  nf::Exprs match_mac = {nf::Payload{nf::PayloadBase::kLink, 6, 6},
                         nf::Cmp{nf::CmpOp::kEq, nf::Bytes(mac_bytes.begin(), mac_bytes.end())}};
  nf::append(match_mac, nf::ret());
  tx.add(nf::AddRule{{kFam, kTable, macChain(id), match_mac, comment(id), std::nullopt}});
  tx.add(nf::AddRule{{kFam, kTable, macChain(id), nf::drop(), comment(id), std::nullopt}});
  return tx;
}

Status setupSpoofCheck(const std::string& host_iface, const std::string& mac,
                       const std::string& id) {
  ORCH_ASSIGN_OR_RETURN(auto ops, nf::openMnlNftOps());
  ORCH_RETURN_IF_ERROR(
      ops->commit(spoofCheckBasePlan(id)).withContext("failed to setup spoof-check"));
  ORCH_ASSIGN_OR_RETURN(auto tx, spoofCheckRulesPlan(host_iface, mac, id));
  return ops->commit(tx).withContext("failed to setup spoof-check");
}

Status teardownSpoofCheck(const std::string& id) {
  ORCH_ASSIGN_OR_RETURN(auto ops, nf::openMnlNftOps());
  ORCH_ASSIGN_OR_RETURN(auto tables, ops->listTables(kFam));
  bool have = false;
  for (const auto& t : tables) have |= t == kTable;
  if (!have) return Status::ok();
  ORCH_ASSIGN_OR_RETURN(auto rules, ops->listRules(kFam, kTable, kBase));
  nf::Transaction tx;
  for (const auto& r : rules) {
    if (r.comment == comment(id)) {
      tx.add(nf::DeleteRule{{kFam, kTable, kBase, {}, "", r.handle}});
    }
  }
  if (!tx.empty()) {
    ORCH_RETURN_IF_ERROR(ops->commit(tx).withContext("failed to delete iface match rule"));
  }
  // Each chain on its own: one that is already gone must not keep the other.
  for (const auto& name : {ifaceChain(id), macChain(id)}) {
    nf::Transaction del;
    del.add(nf::FlushChain{chain(name)});
    del.add(nf::DeleteChain{chain(name)});
    Status s = ops->commit(del);
    if (!s.isOk() && s.code() != ENOENT) {
      return s.withContext("failed to delete regular chains");
    }
  }
  return Status::ok();
}

}  // namespace orch::cni::bridge
