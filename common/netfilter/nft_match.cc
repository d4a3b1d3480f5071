#include "common/netfilter/nft_match.h"

#include <arpa/inet.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_conntrack_common.h>
#include <linux/netfilter/nf_nat.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <netinet/in.h>

#include <charconv>
#include <cstring>

namespace orch::netfilter {

namespace {

// Network-header offsets of the source and destination addresses.
constexpr uint32_t kIp4Saddr = 12, kIp4Daddr = 16, kIp6Saddr = 8, kIp6Daddr = 24;

Exprs loadAddr(bool source, bool v6, uint32_t dreg = kReg1) {
  uint32_t off = v6 ? (source ? kIp6Saddr : kIp6Daddr) : (source ? kIp4Saddr : kIp4Daddr);
  return {Payload{PayloadBase::kNetwork, off, v6 ? 16u : 4u, dreg}};
}

Verdict verdict(VerdictCode c, std::string_view chain = {}) {
  return Verdict{c, std::string(chain)};
}

}  // namespace

Result<Bytes> addressBytes(std::string_view addr) {
  std::string s(addr);
  Bytes out(16);
  if (inet_pton(AF_INET, s.c_str(), out.data()) == 1) {
    out.resize(4);
    return out;
  }
  if (inet_pton(AF_INET6, s.c_str(), out.data()) == 1) return out;
  return Status::invalid("invalid IP address \"" + s + "\"");
}

Bytes portBytes(uint16_t port) {
  return {static_cast<uint8_t>(port >> 8), static_cast<uint8_t>(port & 0xff)};
}

Bytes concat(const std::vector<Bytes>& parts) {
  Bytes out;
  for (const Bytes& p : parts) {
    out.insert(out.end(), p.begin(), p.end());
    while (out.size() % 4 != 0) out.push_back(0);
  }
  return out;
}

Exprs matchNfproto(bool v6) {
  return {Meta{NFT_META_NFPROTO},
          Cmp{CmpOp::kEq, {static_cast<uint8_t>(v6 ? NFPROTO_IPV6 : NFPROTO_IPV4)}}};
}

Exprs matchL4proto(uint8_t proto) {
  return {Meta{NFT_META_L4PROTO}, Cmp{CmpOp::kEq, {proto}}};
}

Result<Exprs> matchAddr(bool source, std::string_view addr, bool neq) {
  ORCH_ASSIGN_OR_RETURN(Bytes b, addressBytes(addr));
  bool v6 = b.size() == 16;
  Exprs e = matchNfproto(v6);
  append(e, loadAddr(source, v6));
  e.push_back(Cmp{neq ? CmpOp::kNeq : CmpOp::kEq, std::move(b)});
  return e;
}

Result<Exprs> matchPrefix(bool source, std::string_view prefix, bool neq) {
  size_t slash = prefix.find('/');
  if (slash == std::string_view::npos)
    return Status::invalid("prefix \"" + std::string(prefix) + "\" has no /length");
  ORCH_ASSIGN_OR_RETURN(Bytes net, addressBytes(prefix.substr(0, slash)));
  unsigned len = 0;
  std::string_view len_text = prefix.substr(slash + 1);
  auto [ptr, ec] = std::from_chars(len_text.data(), len_text.data() + len_text.size(), len);
  if (ec != std::errc() || ptr != len_text.data() + len_text.size() || len > net.size() * 8) {
    return Status::invalid("invalid prefix length in \"" + std::string(prefix) + "\"");
  }
  bool v6 = net.size() == 16;
  Bytes mask(net.size(), 0);
  for (unsigned i = 0; i < len; ++i) mask[i / 8] |= static_cast<uint8_t>(0x80 >> (i % 8));
  for (size_t i = 0; i < net.size(); ++i) net[i] &= mask[i];
  Exprs e = matchNfproto(v6);
  append(e, loadAddr(source, v6));
  if (len != net.size() * 8) e.push_back(Bitwise{mask, Bytes(net.size(), 0)});
  e.push_back(Cmp{neq ? CmpOp::kNeq : CmpOp::kEq, std::move(net)});
  return e;
}

Result<Exprs> matchAddrIn(bool source, std::string_view addr, bool neq) {
  ORCH_ASSIGN_OR_RETURN(Exprs e, matchAddr(source, addr, neq));
  e.erase(e.begin(), e.begin() + 2);  // meta nfproto + cmp
  return e;
}

Result<Exprs> matchPrefixIn(bool source, std::string_view prefix, bool neq) {
  ORCH_ASSIGN_OR_RETURN(Exprs e, matchPrefix(source, prefix, neq));
  e.erase(e.begin(), e.begin() + 2);  // meta nfproto + cmp
  return e;
}

Exprs matchDport(uint16_t port) {
  return {Payload{PayloadBase::kTransport, 2, 2}, Cmp{CmpOp::kEq, portBytes(port)}};
}

Exprs matchIfname(bool input, std::string_view name, bool neq) {
  Bytes b(IFNAMSIZ, 0);
  std::memcpy(b.data(), name.data(), std::min(name.size(), size_t{IFNAMSIZ - 1}));
  return {Meta{input ? uint32_t{NFT_META_IIFNAME} : uint32_t{NFT_META_OIFNAME}},
          Cmp{neq ? CmpOp::kNeq : CmpOp::kEq, std::move(b)}};
}

Exprs matchDaddrLocal() {
  uint32_t local = RTN_LOCAL;
  Bytes b(4);
  std::memcpy(b.data(), &local, 4);  // fib writes the address type in host order
  return {Fib{NFT_FIB_RESULT_ADDRTYPE, NFTA_FIB_F_DADDR}, Cmp{CmpOp::kEq, std::move(b)}};
}

Exprs matchCtStatusDnat() {
  uint32_t dnat = IPS_DST_NAT;
  Bytes mask(4), zero(4, 0);
  std::memcpy(mask.data(), &dnat, 4);
  return {Ct{NFT_CT_STATUS}, Bitwise{mask, zero}, Cmp{CmpOp::kNeq, zero}};
}

Exprs loadDaddrProtoPort(bool v6) {
  Exprs e = loadAddr(false, v6, kReg32_00);
  uint32_t next = kReg32_00 + (v6 ? 4 : 1);
  e.push_back(Meta{NFT_META_L4PROTO, next});
  e.push_back(Payload{PayloadBase::kTransport, 2, 2, next + 1});
  return e;
}

Exprs counter() {
  return {Counter{}};
}

Exprs masquerade(bool random_fully) {
  return {Masquerade{random_fully ? uint32_t{NF_NAT_RANGE_PROTO_RANDOM_FULLY} : 0u}};
}

Result<Exprs> dnatTo(std::string_view addr, uint16_t port) {
  ORCH_ASSIGN_OR_RETURN(Bytes b, addressBytes(addr));
  bool v6 = b.size() == 16;
  return Exprs{Immediate{std::move(b), kReg1}, Immediate{portBytes(port), kReg2},
               Nat{NatType::kDnat, static_cast<uint8_t>(v6 ? NFPROTO_IPV6 : NFPROTO_IPV4), kReg1,
                   kReg2, NF_NAT_RANGE_MAP_IPS | NF_NAT_RANGE_PROTO_SPECIFIED}};
}

Result<Exprs> snatTo(std::string_view addr) {
  ORCH_ASSIGN_OR_RETURN(Bytes b, addressBytes(addr));
  bool v6 = b.size() == 16;
  return Exprs{Immediate{std::move(b), kReg1},
               Nat{NatType::kSnat, static_cast<uint8_t>(v6 ? NFPROTO_IPV6 : NFPROTO_IPV4), kReg1,
                   std::nullopt, NF_NAT_RANGE_MAP_IPS}};
}

Exprs accept() {
  return {verdict(VerdictCode::kAccept)};
}
Exprs drop() {
  return {verdict(VerdictCode::kDrop)};
}
Exprs ret() {
  return {verdict(VerdictCode::kReturn)};
}
Exprs jump(std::string_view chain) {
  return {verdict(VerdictCode::kJump, chain)};
}
Exprs goTo(std::string_view chain) {
  return {verdict(VerdictCode::kGoto, chain)};
}

Exprs rejectPortUnreachable(bool inet_family) {
  if (inet_family) return {Reject{NFT_REJECT_ICMPX_UNREACH, NFT_REJECT_ICMPX_PORT_UNREACH}};
  return {Reject{NFT_REJECT_ICMP_UNREACH, 3 /* ICMP_PORT_UNREACH */}};
}

Exprs rejectTcpReset() {
  return {Reject{NFT_REJECT_TCP_RST, 0}};
}

Bytes hostU32(uint32_t v) {
  Bytes b(4);
  std::memcpy(b.data(), &v, 4);
  return b;
}

Exprs setMarkBits(uint32_t bits) {
  return {Meta{NFT_META_MARK}, Bitwise{hostU32(~bits), hostU32(bits)},
          MetaSet{NFT_META_MARK, kReg1}};
}

Exprs matchMarkBits(uint32_t bits) {
  return {Meta{NFT_META_MARK}, Bitwise{hostU32(bits), hostU32(0)}, Cmp{CmpOp::kNeq, hostU32(0)}};
}

Exprs clearMarkBits(uint32_t bits) {
  return {Meta{NFT_META_MARK}, Bitwise{hostU32(~bits), hostU32(0)}, MetaSet{NFT_META_MARK, kReg1}};
}

Exprs matchCtStateNew() {
  return {Ct{NFT_CT_STATE}, Bitwise{hostU32(NF_CT_STATE_BIT(IP_CT_NEW)), hostU32(0)},
          Cmp{CmpOp::kNeq, hostU32(0)}};
}

void append(Exprs& into, const Exprs& more) {
  into.insert(into.end(), more.begin(), more.end());
}

}  // namespace orch::netfilter
