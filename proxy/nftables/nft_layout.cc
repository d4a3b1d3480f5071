#include "proxy/nftables/nft_layout.h"

#include <linux/netfilter/nf_nat.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/rtnetlink.h>

#include "common/netfilter/nft_match.h"

namespace orch::proxy::nftlayout {

namespace {

using namespace netfilter;

constexpr uint32_t kIcmpPortUnreach = 3;   // ICMP_PORT_UNREACH
constexpr uint32_t kIcmp6PortUnreach = 4;  // ICMPV6_PORT_UNREACH
constexpr uint64_t kDefaultAffinityMs = 10800ull * 1000;

bool isV6(IpFamily f) {
  return f == IpFamily::kIpv6;
}

Chain chain(IpFamily f, const std::string& name) {
  return Chain{nfFamily(f), kTable, name, std::nullopt};
}

Chain baseChain(IpFamily f, const std::string& name, const char* type, uint32_t hook,
                int32_t prio) {
  return Chain{nfFamily(f), kTable, name, BaseChainSpec{type, hook, prio, std::nullopt}};
}

Rule rule(const Chain& c, Exprs exprs, std::string comment = {}) {
  return Rule{c.family, c.table, c.name, std::move(exprs), std::move(comment), std::nullopt};
}

Exprs with(Exprs a, const Exprs& b) {
  append(a, b);
  return a;
}

// Loads the source or destination address into consecutive 32-bit registers.
Expr loadAddr(IpFamily f, bool source, uint32_t reg) {
  bool v6 = isV6(f);
  uint32_t off = v6 ? (source ? 8 : 24) : (source ? 12 : 16);
  return Payload{PayloadBase::kNetwork, off, v6 ? 16u : 4u, reg};
}

// "[the destination is a node-port address]": a local address (not loopback), or one
// of nodeport-ips.
Exprs matchNodePortAddress(const ProxyState& state) {
  IpFamily f = state.config.family;
  if (!state.node.node_port_all_local) {
    return {loadAddr(f, false, kReg32_00), Lookup{kNodeportIps, kReg32_00, std::nullopt, false}};
  }
  Exprs e = matchDaddrLocal();
  if (isV6(f)) {
    append(e, *matchAddrIn(false, "::1", true));
  } else {
    append(e, *matchPrefixIn(false, "127.0.0.0/8", true));
  }
  return e;
}

Exprs loadProtoPort() {
  return {Meta{NFT_META_L4PROTO, kReg32_00}, Payload{PayloadBase::kTransport, 2, 2, kReg32_00 + 1}};
}

Exprs vmap(const char* map, uint32_t sreg = kReg32_00) {
  return {Lookup{map, sreg, kRegVerdict, false}};
}

}  // namespace

Family nfFamily(IpFamily f) {
  return isV6(f) ? Family::kIp6 : Family::kIp;
}

size_t addrLen(IpFamily f) {
  return isV6(f) ? 16 : 4;
}

Set setSpec(IpFamily f, const std::string& name) {
  DataType addr = isV6(f) ? DataType::kIpv6Addr : DataType::kIpv4Addr;
  DataType addr_port = isV6(f) ? DataType::kIpv6AddrInetService : DataType::kIpv4AddrInetService;
  DataType proto = DataType::kInetProto, port = DataType::kInetService;
  Set s{nfFamily(f), kTable, name, {}, std::nullopt, 0, 0};
  if (name == kServiceIps || name == kNoEndpointServices || name == kFirewallIps) {
    s.key = {addr, proto, port};
    s.data = DataType::kVerdict;
  } else if (name == kServiceNodeports || name == kNoEndpointNodeports) {
    s.key = {proto, port};
    s.data = DataType::kVerdict;
  } else if (name == kEndpoints) {
    s.key = {addr, proto, port, DataType::kMark};
    s.data = addr_port;
  } else if (name == kHairpin) {
    s.key = {addr, addr};
  } else if (name == kNodeportIps) {
    s.key = {addr};
  }
  return s;
}

std::vector<Set> allSets(IpFamily f, bool with_nodeport_ips) {
  std::vector<Set> out;
  for (const char* n : {kServiceIps, kServiceNodeports, kNoEndpointServices, kNoEndpointNodeports,
                        kEndpoints, kFirewallIps, kHairpin}) {
    out.push_back(setSpec(f, n));
  }
  if (with_nodeport_ips) out.push_back(setSpec(f, kNodeportIps));
  return out;
}

std::vector<ChainPlan> fixedChains(const ProxyState& state) {
  IpFamily f = state.config.family;
  bool v6 = isV6(f);
  std::vector<ChainPlan> out;

  // Service lookups (dstnat).
  ChainPlan services{chain(f, kServicesChain), {}};
  services.rules.push_back(rule(services.chain, with(loadDaddrProtoPort(v6), vmap(kServiceIps))));
  services.rules.push_back(
      rule(services.chain,
           with(with(matchNodePortAddress(state), loadProtoPort()), vmap(kServiceNodeports))));
  out.push_back(std::move(services));
  for (auto [name, hook] :
       {std::pair{"nat-prerouting", kHookPrerouting}, std::pair{"nat-output", kHookOutput}}) {
    ChainPlan c{baseChain(f, name, "nat", hook, -100), {}};
    c.rules.push_back(rule(c.chain, jump(kServicesChain)));
    out.push_back(std::move(c));
  }

  // Masquerade marking.
  ChainPlan mark{chain(f, kMarkChain), {}};
  mark.rules.push_back(rule(mark.chain, setMarkBits(kMasqueradeMark)));
  out.push_back(std::move(mark));
  ChainPlan masq_cip{chain(f, kMasqClusterIpChain), {}};
  if (state.config.masquerade_all) {
    masq_cip.rules.push_back(rule(masq_cip.chain, jump(kMarkChain)));
  } else if (!state.config.cluster_cidrs.empty()) {
    for (const std::string& cidr : state.config.cluster_cidrs) {
      if ((cidr.find(':') != std::string::npos) != v6) continue;  // the other family's
      auto m = matchPrefixIn(true, cidr);
      if (m.ok()) masq_cip.rules.push_back(rule(masq_cip.chain, with(*m, ret())));
    }
    masq_cip.rules.push_back(rule(masq_cip.chain, jump(kMarkChain)));
  }
  out.push_back(std::move(masq_cip));

  // srcnat: hairpin, then everything marked.
  ChainPlan post{baseChain(f, "nat-postrouting", "nat", kHookPostrouting, 100), {}};
  Exprs hairpin = matchCtStatusDnat();
  hairpin.push_back(loadAddr(f, true, kReg32_00));
  hairpin.push_back(loadAddr(f, false, kReg32_00 + (v6 ? 4 : 1)));
  hairpin.push_back(Lookup{kHairpin, kReg32_00, std::nullopt, false});
  append(hairpin, masquerade(true));
  post.rules.push_back(rule(post.chain, std::move(hairpin)));
  post.rules.push_back(
      rule(post.chain, with(with(matchMarkBits(kMasqueradeMark), clearMarkBits(kMasqueradeMark)),
                            masquerade(true))));
  out.push_back(std::move(post));

  // Rejects and drops of Services without usable endpoints (new connections only).
  ChainPlan reject{chain(f, kRejectChain), {}};
  reject.rules.push_back(rule(reject.chain, with(matchL4proto(6), rejectTcpReset())));
  reject.rules.push_back(rule(
      reject.chain, {Reject{NFT_REJECT_ICMP_UNREACH,
                            static_cast<uint8_t>(v6 ? kIcmp6PortUnreach : kIcmpPortUnreach)}}));
  out.push_back(std::move(reject));
  ChainPlan checks{chain(f, kEndpointChecksChain), {}};
  checks.rules.push_back(
      rule(checks.chain, with(loadDaddrProtoPort(v6), vmap(kNoEndpointServices))));
  out.push_back(std::move(checks));
  // loadBalancerSourceRanges, before DNAT.
  Exprs firewall = matchCtStateNew();
  append(firewall, loadDaddrProtoPort(v6));
  append(firewall, vmap(kFirewallIps));
  ChainPlan fw_pre{baseChain(f, "filter-prerouting", "filter", kHookPrerouting, -110), {}};
  fw_pre.rules.push_back(rule(fw_pre.chain, firewall));
  out.push_back(std::move(fw_pre));
  for (auto [name, hook] :
       {std::pair{"filter-input", kHookInput}, std::pair{"filter-forward", kHookForward},
        std::pair{"filter-output", kHookOutput}}) {
    ChainPlan c{baseChain(f, name, "filter", hook, -110), {}};
    c.rules.push_back(rule(c.chain, with(matchCtStateNew(), jump(kEndpointChecksChain))));
    if (hook == kHookOutput) c.rules.push_back(rule(c.chain, firewall));
    if (hook == kHookInput) {
      Exprs np = matchCtStateNew();
      append(np, matchNodePortAddress(state));
      append(np, loadProtoPort());
      append(np, vmap(kNoEndpointNodeports));
      c.rules.push_back(rule(c.chain, std::move(np)));
    }
    out.push_back(std::move(c));
  }
  return out;
}

std::string configKey(const ProxyState& state) {
  std::string k = isV6(state.config.family) ? "v6" : "v4";
  k += state.config.masquerade_all ? " masq-all" : "";
  for (const auto& c : state.config.cluster_cidrs) k += " cidr=" + c;
  k += state.node.node_port_all_local ? " np=local" : " np=list";
  if (!state.node.node_port_all_local) {
    for (const auto& ip : state.node.node_port_ips) k += " np=" + ip;
  }
  return k;
}

std::string PickSpec::name() const {
  const char* k = "cip";
  switch (kind) {
    case PickKind::kClusterIp:
      k = "cip";
      break;
    case PickKind::kExternal:
      k = "ext";
      break;
    case PickKind::kExternalLocal:
      k = "extl";
      break;
    case PickKind::kNodePort:
      k = "np";
      break;
    case PickKind::kNodePortLocal:
      k = "npl";
      break;
  }
  std::string n = std::string(k) + "-" + std::to_string(endpoints);
  if (cluster_endpoints != 0) n += "-" + std::to_string(cluster_endpoints);
  return n;
}

ChainPlan pickChain(IpFamily f, const PickSpec& spec,
                    const std::vector<std::string>& cluster_cidrs) {
  bool v6 = isV6(f);
  bool node_port = spec.kind == PickKind::kNodePort || spec.kind == PickKind::kNodePortLocal;
  uint8_t nf = v6 ? 10 /* NFPROTO_IPV6 */ : 2 /* NFPROTO_IPV4 */;
  uint32_t a = v6 ? 4 : 1;  // 32-bit registers per address
  ChainPlan c{chain(f, spec.name()), {}};
  if (spec.kind == PickKind::kClusterIp) {
    c.rules.push_back(rule(c.chain, jump(kMasqClusterIpChain)));
  } else if (spec.kind == PickKind::kExternal || spec.kind == PickKind::kNodePort) {
    c.rules.push_back(rule(c.chain, jump(kMarkChain)));
  }
  const uint32_t r0 = kReg32_00;
  // frontend (daddr, 0 for node ports) . l4proto . dport . (numgen mod n + offset)
  // -> @endpoints -> dnat.
  auto pick = [&](uint32_t n, uint32_t offset) {
    Exprs e;
    if (node_port) {
      e.push_back(Immediate{Bytes(addrLen(f), 0), r0});
    } else {
      e.push_back(loadAddr(f, false, r0));
    }
    e.push_back(Meta{NFT_META_L4PROTO, r0 + a});
    e.push_back(Payload{PayloadBase::kTransport, 2, 2, r0 + a + 1});
    e.push_back(Numgen{n, true, offset, r0 + a + 2});
    e.push_back(Lookup{kEndpoints, r0, r0 + a + 3, false});
    e.push_back(Nat{NatType::kDnat, nf, r0 + a + 3, r0 + 2 * a + 3,
                    NF_NAT_RANGE_MAP_IPS | NF_NAT_RANGE_PROTO_SPECIFIED});
    return e;
  };
  if (spec.cluster_endpoints != 0) {
    // Local policy, but pods and the node itself reach every endpoint (as kube-proxy):
    // from the cluster CIDRs as they are, from this host masqueraded.
    for (const std::string& cidr : cluster_cidrs) {
      if ((cidr.find(':') != std::string::npos) != v6) continue;
      auto m = matchPrefixIn(true, cidr);
      if (m.ok())
        c.rules.push_back(rule(c.chain, with(*m, pick(spec.cluster_endpoints, kClusterSlots))));
    }
    uint32_t local = RTN_LOCAL;
    Exprs host{Fib{NFT_FIB_RESULT_ADDRTYPE, NFTA_FIB_F_SADDR}, Cmp{CmpOp::kEq, hostU32(local)}};
    append(host, setMarkBits(kMasqueradeMark));
    append(host, pick(spec.cluster_endpoints, kClusterSlots));
    c.rules.push_back(rule(c.chain, std::move(host)));
  }
  if (spec.endpoints == 0) {
    c.rules.push_back(rule(c.chain, drop()));  // Local policy and no local endpoint
  } else {
    c.rules.push_back(rule(c.chain, pick(spec.endpoints, 0)));
  }
  return c;
}

Set affinitySet(IpFamily f, const std::string& name) {
  DataType addr = isV6(f) ? DataType::kIpv6Addr : DataType::kIpv4Addr;
  // The default timeout is the longest one; every rule sets its own.
  return Set{nfFamily(f),       kTable, name, {addr, addr}, std::nullopt, NFT_SET_EVAL,
             kDefaultAffinityMs};
}

ChainPlan affinityChain(IpFamily f, const std::string& name, PickKind kind,
                        const std::vector<AffinityEndpoint>& eps, uint32_t timeout_s) {
  bool v6 = isV6(f);
  uint8_t nf = v6 ? 10 /* NFPROTO_IPV6 */ : 2 /* NFPROTO_IPV4 */;
  uint32_t a = v6 ? 4 : 1;  // 32-bit registers per address
  const uint32_t r0 = kReg32_00;
  ChainPlan c{chain(f, name), {}, affinitySet(f, name)};
  if (kind == PickKind::kClusterIp) {
    c.rules.push_back(rule(c.chain, jump(kMasqClusterIpChain)));
  } else if (kind == PickKind::kExternal || kind == PickKind::kNodePort) {
    c.rules.push_back(rule(c.chain, jump(kMarkChain)));
  }
  uint64_t timeout_ms = uint64_t{timeout_s} * 1000;
  // saddr . ep addr from r0 (the set is the frontend's own, and an endpoint address
  // has one port per Service port); the port beside it for the DNAT.
  auto key = [&](const AffinityEndpoint& ep) {
    return Exprs{loadAddr(f, true, r0), Immediate{ep.addr, r0 + a},
                 Immediate{portBytes(ep.port), r0 + 2 * a}};
  };
  Nat dnat{NatType::kDnat, nf, r0 + a, r0 + 2 * a,
           NF_NAT_RANGE_MAP_IPS | NF_NAT_RANGE_PROTO_SPECIFIED};
  for (const auto& ep : eps) {
    Exprs hit = key(ep);
    hit.push_back(Lookup{name, r0, std::nullopt, false});
    hit.push_back(Dynset{name, NFT_DYNSET_OP_UPDATE, r0, std::nullopt, timeout_ms});
    hit.push_back(dnat);
    c.rules.push_back(rule(c.chain, std::move(hit)));
  }
  for (size_t i = 0; i < eps.size(); ++i) {
    Exprs pick{Numgen{static_cast<uint32_t>(eps.size() - i), true, 0, kReg1},
               Cmp{CmpOp::kEq, hostU32(0), kReg1}};
    append(pick, key(eps[i]));
    pick.push_back(Dynset{name, NFT_DYNSET_OP_UPDATE, r0, std::nullopt, timeout_ms});
    pick.push_back(dnat);
    c.rules.push_back(rule(c.chain, std::move(pick)));
  }
  return c;
}

ChainPlan firewallChain(IpFamily f, const std::string& name,
                        const std::vector<std::string>& source_ranges) {
  bool v6 = isV6(f);
  ChainPlan c{chain(f, name), {}};
  for (const std::string& range : source_ranges) {
    if ((range.find(':') != std::string::npos) != v6) continue;
    auto m = range.find('/') == std::string::npos ? matchAddrIn(true, range)
                                                  : matchPrefixIn(true, range);
    if (m.ok()) c.rules.push_back(rule(c.chain, with(*m, ret())));
  }
  c.rules.push_back(rule(c.chain, drop()));
  return c;
}

}  // namespace orch::proxy::nftlayout
