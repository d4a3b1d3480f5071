#pragma once
// Building blocks for rules, as nft writes them: each helper returns the
// expressions of one statement ("ip saddr 10.0.0.5", "tcp dport 80", "masquerade").
// Addresses are given as text and validated; errors name the bad value.

#include <string_view>
#include <vector>

#include "common/base/status.h"
#include "common/netfilter/nft_expr.h"

namespace orch::netfilter {

using Exprs = std::vector<Expr>;

// An address as network-order bytes (4 or 16), from "10.0.0.1" or "fd00::1".
Result<Bytes> addressBytes(std::string_view addr);
// Network-order port bytes.
Bytes portBytes(uint16_t port);
// A concatenated set key: each component padded to a multiple of 4 bytes.
Bytes concat(const std::vector<Bytes>& parts);

// "meta nfproto ipv4|ipv6": needed in inet tables before an ip/ip6 payload match.
Exprs matchNfproto(bool v6);
// "meta l4proto tcp|udp|sctp" (IPPROTO_* value).
Exprs matchL4proto(uint8_t proto);
// "ip saddr ADDR" / "ip daddr ADDR" (v4 or v6 chosen from the address), with the
// nfproto guard. `neq` gives "!=".
Result<Exprs> matchAddr(bool source, std::string_view addr, bool neq = false);
// "ip saddr PREFIX" with a prefix such as "10.0.0.0/8" ("!=" when neq).
Result<Exprs> matchPrefix(bool source, std::string_view prefix, bool neq = false);
// matchAddr / matchPrefix without the nfproto guard, for ip and ip6 tables (where
// nft itself never writes one, and its decoder chokes on it).
Result<Exprs> matchAddrIn(bool source, std::string_view addr, bool neq = false);
Result<Exprs> matchPrefixIn(bool source, std::string_view prefix, bool neq = false);
// "th dport PORT" (any transport with ports; pair it with matchL4proto).
Exprs matchDport(uint16_t port);
// "iifname NAME" / "oifname NAME".
Exprs matchIfname(bool input, std::string_view name, bool neq = false);
// "fib daddr type local" — destination is an address of this host.
Exprs matchDaddrLocal();
// "ct status dnat"
Exprs matchCtStatusDnat();

// Loads "ip daddr . meta l4proto . th dport" (or ip6) into consecutive 32-bit
// registers starting at NFT_REG32_00, for a concatenated map lookup.
Exprs loadDaddrProtoPort(bool v6);

Exprs counter();
Exprs masquerade(bool random_fully = false);
// "dnat to ADDR:PORT" (family from the address).
Result<Exprs> dnatTo(std::string_view addr, uint16_t port);
// "snat to ADDR".
Result<Exprs> snatTo(std::string_view addr);
Exprs accept();
Exprs drop();
Exprs ret();
Exprs jump(std::string_view chain);
Exprs goTo(std::string_view chain);
// "reject" (ICMP port unreachable / ICMPv6 port unreachable; inet: icmpx).
Exprs rejectPortUnreachable(bool inet_family);
Exprs rejectTcpReset();

// "meta mark set mark | bits" (the other bits kept).
Exprs setMarkBits(uint32_t bits);
// "meta mark & bits != 0".
Exprs matchMarkBits(uint32_t bits);
// "meta mark set mark & ~bits".
Exprs clearMarkBits(uint32_t bits);
// "ct state new".
Exprs matchCtStateNew();
// A 32-bit value in host byte order, as meta mark, numgen and fib results hold them.
Bytes hostU32(uint32_t v);

// Appends `more` to `into`.
void append(Exprs& into, const Exprs& more);

}  // namespace orch::netfilter
