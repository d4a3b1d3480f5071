#include "proxy/ipvs/ipvs_plan.h"

#include <linux/ip_vs.h>
#include <linux/netfilter/nf_tables.h>

#include <algorithm>
#include <optional>

#include "common/netfilter/nft_match.h"
#include "common/netlink/ip_address.h"

namespace orch::proxy {

namespace nf = netfilter;

namespace {

// The canonical text of `ip` when it is an address of `family`.
std::optional<std::string> inFamily(const std::string& ip, IpFamily family) {
  auto a = netlink::IpAddress::parse(ip);
  if (!a.ok() || a->isV6() != (family == IpFamily::kIpv6)) return std::nullopt;
  return a->toString();
}

std::vector<RealServer> realServers(const std::vector<EndpointInfo>& eps, IpFamily family) {
  std::vector<RealServer> out;
  for (const auto& ep : eps) {
    auto ip = inFamily(ep.ip, family);
    if (!ip) continue;
    out.push_back({.address = *ip, .port = ep.port, .weight = 1});
  }
  std::sort(out.begin(), out.end(),
            [](const RealServer& a, const RealServer& b) { return a.key() < b.key(); });
  out.erase(
      std::unique(out.begin(), out.end(),
                  [](const RealServer& a, const RealServer& b) { return a.key() == b.key(); }),
      out.end());
  return out;
}

}  // namespace

IpvsPlan planIpvs(const ProxyState& state, const IpvsPlanOptions& opts,
                  const std::vector<std::string>& node_port_ips) {
  static const std::vector<EndpointInfo> kNone;
  IpvsPlan plan;
  IpFamily family = state.config.family;
  std::vector<std::string> node_ips;
  for (const auto& ip : node_port_ips)
    if (auto c = inFamily(ip, family)) node_ips.push_back(*c);

  for (const auto& [name, svc] : state.services) {
    auto it = state.endpoints.find(name);
    SelectedEndpoints sel = selectEndpoints(svc, it == state.endpoints.end() ? kNone : it->second);
    std::vector<RealServer> internal = realServers(sel.internal, family);
    std::vector<RealServer> external = realServers(sel.external, family);
    Protocol proto = name.protocol;

    auto addVs = [&](const std::string& ip, uint16_t port, const std::vector<RealServer>& dsts) {
      VirtualServer vs{.family = family,
                       .address = ip,
                       .protocol = proto,
                       .port = port,
                       .scheduler = opts.scheduler};
      if (svc.session_affinity) {
        vs.flags = IP_VS_SVC_F_PERSISTENT;
        vs.timeout_s = svc.affinity_timeout_s;
      }
      plan.services.try_emplace(vs.key(), PlannedService{vs, dsts, name});
    };

    auto cluster_ip = inFamily(svc.cluster_ip, family);
    if (cluster_ip) {
      addVs(*cluster_ip, svc.port, internal);
      plan.bound_addresses.insert(*cluster_ip);
      plan.cluster_ips.emplace(*cluster_ip, proto, svc.port);
      if (!sel.has_any_endpoints) plan.no_endpoints.emplace(*cluster_ip, proto, svc.port);
    }
    std::vector<std::string> outside;
    for (const auto& ip : svc.external_ips)
      if (auto c = inFamily(ip, family)) outside.push_back(*c);
    for (const auto& ip : svc.load_balancer_ips)
      if (auto c = inFamily(ip, family)) outside.push_back(*c);
    for (const auto& ip : outside) {
      addVs(ip, svc.port, external);
      plan.bound_addresses.insert(ip);
      if (!svc.external_policy_local) plan.external_ips.emplace(ip, proto, svc.port);
      if (!sel.has_any_endpoints) plan.no_endpoints.emplace(ip, proto, svc.port);
    }
    if (svc.node_port != 0) {
      for (const auto& ip : node_ips) addVs(ip, svc.node_port, external);
      if (!svc.external_policy_local) plan.node_ports.emplace(proto, svc.node_port);
      if (!sel.has_any_endpoints) plan.no_endpoint_node_ports.emplace(proto, svc.node_port);
    }
    for (const auto* dsts : {&internal, &external})
      for (const auto& d : *dsts) plan.hairpin.emplace(d.address, proto, d.port);
  }
  return plan;
}

namespace {

struct NftBuilder {
  nf::Family family;
  std::string table;
  bool v6;

  nf::Set set(const std::string& name, std::vector<nf::DataType> key) const {
    return nf::Set{family, table, name, std::move(key), std::nullopt, 0, 0};
  }
  nf::Chain chain(const std::string& name) const { return nf::Chain{family, table, name, {}}; }
  nf::Chain base(const std::string& name, const std::string& type, uint32_t hook,
                 int32_t prio) const {
    return nf::Chain{family, table, name, nf::BaseChainSpec{type, hook, prio, std::nullopt}};
  }
  nf::Rule rule(const std::string& chain, nf::Exprs exprs) const {
    return nf::Rule{family, table, chain, std::move(exprs), "", std::nullopt};
  }
  nf::DataType addrType() const { return v6 ? nf::DataType::kIpv6Addr : nf::DataType::kIpv4Addr; }
  // "meta l4proto . th dport" into consecutive 32-bit registers.
  static nf::Exprs loadProtoPort() {
    return {nf::Meta{NFT_META_L4PROTO, nf::kReg32_00},
            nf::Payload{nf::PayloadBase::kTransport, 2, 2, nf::kReg32_00 + 1}};
  }
  // "ip daddr . meta l4proto . th dport . ip saddr".
  nf::Exprs loadDaddrProtoPortSaddr() const {
    nf::Exprs e = nf::loadDaddrProtoPort(v6);
    uint32_t reg = nf::kReg32_00 + (v6 ? 6 : 3);
    e.push_back(nf::Payload{nf::PayloadBase::kNetwork, v6 ? 8u : 12u, v6 ? 16u : 4u, reg});
    return e;
  }
  // "ip saddr PREFIX" without nf_match's nfproto guard: in an ip/ip6 table the family
  // is implied, and nft 1.0.6 cannot list a "meta nfproto" there.
  Result<nf::Exprs> matchSaddrPrefix(const std::string& cidr) const {
    auto prefix = netlink::IpPrefix::parse(cidr);
    if (!prefix.ok()) return prefix.status();
    if (prefix->isV4() == v6) return Status::invalid(cidr + " is not of the table's family");
    const netlink::IpAddress net = prefix->network(), mask = prefix->netmask();
    size_t len = net.byteLength();
    nf::Bytes net_b(net.data(), net.data() + len), mask_b(mask.data(), mask.data() + len);
    return nf::Exprs{nf::Payload{nf::PayloadBase::kNetwork, v6 ? 8u : 12u,
                                 static_cast<uint32_t>(len), nf::kReg1},
                     nf::Bitwise{mask_b, nf::Bytes(len, 0), nf::kReg1, nf::kReg1},
                     nf::Cmp{nf::CmpOp::kEq, net_b, nf::kReg1}};
  }
  static nf::Exprs lookup(nf::Exprs load, const std::string& set) {
    load.push_back(nf::Lookup{set, nf::kReg32_00, std::nullopt, false});
    return load;
  }
};

nf::Bytes protoByte(Protocol p) {
  return {protocolNumber(p)};
}

Result<nf::Bytes> addrProtoPortKey(const AddrProtoPort& k) {
  ORCH_ASSIGN_OR_RETURN(nf::Bytes addr, nf::addressBytes(std::get<0>(k)));
  return nf::concat({addr, protoByte(std::get<1>(k)), nf::portBytes(std::get<2>(k))});
}

}  // namespace

Result<nf::Transaction> planNftTable(const IpvsPlan& plan, const ProxyConfig& config,
                                     const IpvsPlanOptions& opts) {
  bool v6 = config.family == IpFamily::kIpv6;
  NftBuilder b{v6 ? nf::Family::kIp6 : nf::Family::kIp, opts.table, v6};
  nf::Transaction tx;
  nf::Table table{b.family, b.table};
  tx.add(nf::AddTable{table});
  tx.add(nf::DeleteTable{table});
  tx.add(nf::AddTable{table});

  using DT = nf::DataType;
  nf::Set cluster_ips = b.set("cluster-ips", {b.addrType(), DT::kInetProto, DT::kInetService});
  nf::Set external_ips = b.set("external-ips", {b.addrType(), DT::kInetProto, DT::kInetService});
  nf::Set node_ports = b.set("node-ports", {DT::kInetProto, DT::kInetService});
  nf::Set hairpin =
      b.set("hairpin", {b.addrType(), DT::kInetProto, DT::kInetService, b.addrType()});
  nf::Set no_eps = b.set("no-endpoints", {b.addrType(), DT::kInetProto, DT::kInetService});
  nf::Set no_ep_nps = b.set("no-endpoint-nodeports", {DT::kInetProto, DT::kInetService});
  for (const auto* s : {&cluster_ips, &external_ips, &node_ports, &hairpin, &no_eps, &no_ep_nps})
    tx.add(nf::AddSet{*s});

  auto addApp = [&](const nf::Set& s, const std::set<AddrProtoPort>& items) -> Status {
    if (items.empty()) return Status::ok();
    std::vector<nf::Element> els;
    for (const auto& k : items) {
      ORCH_ASSIGN_OR_RETURN(nf::Bytes key, addrProtoPortKey(k));
      els.push_back({std::move(key), std::nullopt, std::nullopt, 0});
    }
    tx.add(nf::AddElements{s, std::move(els)});
    return Status::ok();
  };
  auto addPP = [&](const nf::Set& s, const std::set<std::pair<Protocol, uint16_t>>& items) {
    if (items.empty()) return;
    std::vector<nf::Element> els;
    for (const auto& [p, port] : items)
      els.push_back(
          {nf::concat({protoByte(p), nf::portBytes(port)}), std::nullopt, std::nullopt, 0});
    tx.add(nf::AddElements{s, std::move(els)});
  };
  ORCH_RETURN_IF_ERROR(addApp(cluster_ips, plan.cluster_ips));
  ORCH_RETURN_IF_ERROR(addApp(external_ips, plan.external_ips));
  ORCH_RETURN_IF_ERROR(addApp(no_eps, plan.no_endpoints));
  addPP(node_ports, plan.node_ports);
  addPP(no_ep_nps, plan.no_endpoint_node_ports);
  if (!plan.hairpin.empty()) {
    std::vector<nf::Element> els;
    for (const auto& k : plan.hairpin) {
      ORCH_ASSIGN_OR_RETURN(nf::Bytes key, addrProtoPortKey(k));
      ORCH_ASSIGN_OR_RETURN(nf::Bytes addr, nf::addressBytes(std::get<0>(k)));
      els.push_back({nf::concat({key, addr}), std::nullopt, std::nullopt, 0});
    }
    tx.add(nf::AddElements{hairpin, std::move(els)});
  }

  // Mark for masquerade on the way in (the original destination is still visible).
  tx.add(nf::AddChain{b.base("nat-prerouting", "nat", nf::kHookPrerouting, -100)});
  tx.add(nf::AddChain{b.base("nat-output", "nat", nf::kHookOutput, -100)});
  tx.add(nf::AddChain{b.chain("services")});
  tx.add(nf::AddChain{b.chain("mark-cluster-ip")});
  tx.add(nf::AddRule{b.rule("nat-prerouting", nf::jump("services"))});
  tx.add(nf::AddRule{b.rule("nat-output", nf::jump("services"))});
  uint32_t mark = opts.masquerade_mark;
  if (config.masquerade_all || !config.cluster_cidrs.empty()) {
    nf::Exprs e = NftBuilder::lookup(nf::loadDaddrProtoPort(v6), "cluster-ips");
    nf::append(e, nf::jump("mark-cluster-ip"));
    tx.add(nf::AddRule{b.rule("services", e)});
  }
  {
    nf::Exprs e = NftBuilder::lookup(nf::loadDaddrProtoPort(v6), "external-ips");
    nf::append(e, nf::setMarkBits(mark));
    tx.add(nf::AddRule{b.rule("services", e)});
    nf::Exprs n = nf::matchDaddrLocal();
    nf::append(n, NftBuilder::lookup(NftBuilder::loadProtoPort(), "node-ports"));
    nf::append(n, nf::setMarkBits(mark));
    tx.add(nf::AddRule{b.rule("services", n)});
  }
  if (!config.masquerade_all) {
    for (const auto& cidr : config.cluster_cidrs) {
      auto m = b.matchSaddrPrefix(cidr);
      if (!m.ok()) return m.status().withContext("cluster CIDR");
      nf::append(*m, nf::ret());
      tx.add(nf::AddRule{b.rule("mark-cluster-ip", *m)});
    }
  }
  tx.add(nf::AddRule{b.rule("mark-cluster-ip", nf::setMarkBits(mark))});

  // Masquerade what was marked, and hairpin traffic (source == the chosen endpoint).
  tx.add(nf::AddChain{b.base("nat-postrouting", "nat", nf::kHookPostrouting, 100)});
  {
    nf::Exprs e = nf::matchMarkBits(mark);
    nf::append(e, nf::clearMarkBits(mark));
    nf::append(e, nf::masquerade());
    tx.add(nf::AddRule{b.rule("nat-postrouting", e)});
    nf::Exprs h = NftBuilder::lookup(b.loadDaddrProtoPortSaddr(), "hairpin");
    nf::append(h, nf::masquerade());
    tx.add(nf::AddRule{b.rule("nat-postrouting", h)});
  }

  // Reject Service ports without endpoints before IPVS sees the packet.
  tx.add(nf::AddChain{b.base("filter-input", "filter", nf::kHookInput, 0)});
  tx.add(nf::AddChain{b.base("filter-output", "filter", nf::kHookOutput, -150)});
  tx.add(nf::AddChain{b.chain("reject-services")});
  tx.add(nf::AddChain{b.chain("reject-packet")});
  tx.add(nf::AddRule{b.rule("filter-input", nf::jump("reject-services"))});
  tx.add(nf::AddRule{b.rule("filter-output", nf::jump("reject-services"))});
  {
    nf::Exprs e = NftBuilder::lookup(nf::loadDaddrProtoPort(v6), "no-endpoints");
    nf::append(e, nf::goTo("reject-packet"));
    tx.add(nf::AddRule{b.rule("reject-services", e)});
    nf::Exprs n = nf::matchDaddrLocal();
    nf::append(n, NftBuilder::lookup(NftBuilder::loadProtoPort(), "no-endpoint-nodeports"));
    nf::append(n, nf::goTo("reject-packet"));
    tx.add(nf::AddRule{b.rule("reject-services", n)});
    nf::Exprs tcp = nf::matchL4proto(protocolNumber(Protocol::kTcp));
    nf::append(tcp, nf::rejectTcpReset());
    tx.add(nf::AddRule{b.rule("reject-packet", tcp)});
    // ICMP / ICMPv6 port unreachable (code 3 for ICMP, 4 for ICMPv6).
    tx.add(nf::AddRule{b.rule(
        "reject-packet", {nf::Reject{NFT_REJECT_ICMP_UNREACH, static_cast<uint8_t>(v6 ? 4 : 3)}})});
  }
  return tx;
}

nf::Transaction deleteNftTable(IpFamily family, const std::string& table) {
  nf::Transaction tx;
  tx.add(nf::DeleteTable{
      nf::Table{family == IpFamily::kIpv6 ? nf::Family::kIp6 : nf::Family::kIp, table}});
  return tx;
}

}  // namespace orch::proxy
