#pragma once
// nftables rule expressions as plain values. A rule is a vector of Expr; the
// applier (nft_netlink.cc) turns them into libnftnl expressions, and render()
// prints them in a stable nft-like text for golden-file tests of rule plans.

#include <cstdint>
#include <optional>
#include <string>
#include <variant>
#include <vector>

namespace orch::netfilter {

using Bytes = std::vector<uint8_t>;

// Registers: 0 is the verdict register; 1 is the first 16-byte data register.
// Expressions here use the 32-bit register numbering (NFT_REG32_00 = 8 ...) when
// a concatenation needs consecutive 4-byte slots; kReg1 is the usual start.
inline constexpr uint32_t kRegVerdict = 0;
inline constexpr uint32_t kReg1 = 1;
inline constexpr uint32_t kReg2 = 2;
inline constexpr uint32_t kReg32_00 = 8;  // NFT_REG32_00

enum class PayloadBase : uint8_t { kLink = 0, kNetwork = 1, kTransport = 2 };

struct Payload {
  PayloadBase base;
  uint32_t offset;
  uint32_t len;
  uint32_t dreg = kReg1;
};

// meta keys as in linux/netfilter/nf_tables.h (NFT_META_*).
struct Meta {
  uint32_t key;
  uint32_t dreg = kReg1;
};

enum class CmpOp : uint8_t { kEq = 0, kNeq = 1, kLt = 2, kLte = 3, kGt = 4, kGte = 5 };

struct Cmp {
  CmpOp op;
  Bytes data;
  uint32_t sreg = kReg1;
};

// dreg = (sreg & mask) ^ xor_
struct Bitwise {
  Bytes mask;
  Bytes xor_;
  uint32_t sreg = kReg1;
  uint32_t dreg = kReg1;
};

// Loads constant data into a register.
struct Immediate {
  Bytes data;
  uint32_t dreg = kReg1;
};

enum class VerdictCode : int32_t {
  kAccept = 1,     // NF_ACCEPT
  kDrop = 0,       // NF_DROP
  kContinue = -1,  // NFT_CONTINUE
  kJump = -3,      // NFT_JUMP
  kGoto = -4,      // NFT_GOTO
  kReturn = -5,    // NFT_RETURN
};

struct Verdict {
  VerdictCode code;
  std::string chain;  // for jump / goto
};

// Set / map lookup. With `dreg` set it is a map lookup writing the value (a
// verdict map writes kRegVerdict).
struct Lookup {
  std::string set;
  uint32_t sreg = kReg1;
  std::optional<uint32_t> dreg;
  bool invert = false;
};

// ct key load (NFT_CT_STATE = 0, NFT_CT_STATUS = 2, ...).
struct Ct {
  uint32_t key;
  uint32_t dreg = kReg1;
};

struct Counter {};

enum class NatType : uint8_t { kSnat = 0, kDnat = 1 };

struct Nat {
  NatType type;
  uint8_t family;  // NFPROTO_IPV4 / NFPROTO_IPV6
  std::optional<uint32_t> reg_addr;
  std::optional<uint32_t> reg_proto;
  uint32_t flags = 0;  // NF_NAT_RANGE_*
};

struct Masquerade {
  uint32_t flags = 0;  // NF_NAT_RANGE_PROTO_RANDOM_FULLY ...
};

// numgen: dreg = (inc|random) % modulus + offset
struct Numgen {
  uint32_t modulus;
  bool random = true;
  uint32_t offset = 0;
  uint32_t dreg = kReg1;
};

// Adds/updates the key in a dynamic set (e.g. session affinity with a timeout).
struct Dynset {
  std::string set;
  uint32_t op = 1;  // NFT_DYNSET_OP_UPDATE
  uint32_t sreg_key = kReg1;
  std::optional<uint32_t> sreg_data;
  uint64_t timeout_ms = 0;
};

// fib lookup, e.g. "fib daddr type" (result NFT_FIB_RESULT_ADDRTYPE, flags NFTA_FIB_F_DADDR).
struct Fib {
  uint32_t result;
  uint32_t flags;
  uint32_t dreg = kReg1;
};

// reject: type 0 = ICMP unreachable (code), 1 = TCP RST, 2 = ICMPx (inet).
struct Reject {
  uint32_t type;
  uint8_t code;
};

// "meta KEY set REG": writes a register into packet metadata (NFT_META_MARK ...).
struct MetaSet {
  uint32_t key;
  uint32_t sreg = kReg1;
};

using Expr = std::variant<Payload, Meta, Cmp, Bitwise, Immediate, Verdict, Lookup, Ct, Counter, Nat,
                          Masquerade, Numgen, Dynset, Fib, Reject, MetaSet>;

// One line per expression, e.g. "payload network 12 4 => r1", stable across runs.
std::string render(const Expr& e);
std::string renderBytes(const Bytes& b);

}  // namespace orch::netfilter
