#pragma once
// nftables objects as plain values, and a Transaction: an ordered list of
// operations that the applier sends to the kernel as one atomic batch.

#include <cstdint>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "common/netfilter/nft_expr.h"

namespace orch::netfilter {

// Values of NFPROTO_* (linux/netfilter.h is not included here: it clashes with
// <netinet/in.h> when included first).
enum class Family : uint8_t {
  kInet = 1,
  kIp = 2,
  kIp6 = 10,
  kBridge = 7,  // NFPROTO_BRIDGE (e.g. the bridge plugin's macspoofchk table)
};

// Hooks (NF_INET_*) for base chains.
inline constexpr uint32_t kHookPrerouting = 0;
inline constexpr uint32_t kHookInput = 1;
inline constexpr uint32_t kHookForward = 2;
inline constexpr uint32_t kHookOutput = 3;
inline constexpr uint32_t kHookPostrouting = 4;

struct Table {
  Family family;
  std::string name;
};

// A base chain has a hook; a regular chain has none.
struct BaseChainSpec {
  std::string type;                // "filter", "nat", "route"
  uint32_t hook;                   // NF_INET_PRE_ROUTING ...
  int32_t priority;                // e.g. -100 (dstnat), 100 (srcnat)
  std::optional<uint32_t> policy;  // NF_ACCEPT / NF_DROP
};

struct Chain {
  Family family;
  std::string table;
  std::string name;
  std::optional<BaseChainSpec> base;
};

struct Rule {
  Family family;
  std::string table;
  std::string chain;
  std::vector<Expr> exprs;
  std::string comment;             // stored as rule userdata, as nft does
  std::optional<uint64_t> handle;  // set when read back from the kernel
};

// Data types of set keys and map values (nft's datatype ids).
enum class DataType : uint32_t {
  kVerdict = 1,
  kMark = 19,
  kIpv4Addr = 7,
  kIpv6Addr = 8,
  kInetProto = 12,
  kInetService = 13,
  kIfname = 41,
  // Concatenated map values (nft packs the component types 6 bits apart), e.g. the
  // "ipv4_addr . inet_service" of a "dnat to ... map"; each component in 4-byte slots.
  kIpv4AddrInetService = (7 << 6) | 13,
  kIpv6AddrInetService = (8 << 6) | 13,
};

// The length in bytes of one value of `t` (kVerdict: 0, a verdict is not data).
uint32_t dataLength(DataType t);

struct Set {
  Family family;
  std::string table;
  std::string name;
  // A concatenated key lists several types ("ipv4_addr . inet_proto . inet_service").
  std::vector<DataType> key;
  std::optional<DataType> data;  // set => a map
  uint32_t flags = 0;            // NFT_SET_* beyond MAP/CONCAT, e.g. NFT_SET_TIMEOUT
  uint64_t timeout_ms = 0;       // default element timeout
};

struct Element {
  Bytes key;  // concatenation: each component padded to 4 bytes
  // Map value: data bytes, or a verdict (jump/goto chain).
  std::optional<Bytes> data;
  std::optional<Verdict> verdict;
  uint64_t timeout_ms = 0;
};

struct AddTable {
  Table table;
};
struct DeleteTable {
  Table table;
};
struct AddChain {
  Chain chain;
};
struct FlushChain {
  Chain chain;
};
struct DeleteChain {
  Chain chain;
};
struct AddRule {
  Rule rule;
};
struct DeleteRule {
  Rule rule;
};  // by rule.handle
struct AddSet {
  Set set;
};
struct FlushSet {
  Set set;
};
struct DeleteSet {
  Set set;
};
struct AddElements {
  Set set;
  std::vector<Element> elements;
};
struct DeleteElements {
  Set set;
  std::vector<Element> elements;
};

using Op = std::variant<AddTable, DeleteTable, AddChain, FlushChain, DeleteChain, AddRule,
                        DeleteRule, AddSet, FlushSet, DeleteSet, AddElements, DeleteElements>;

// An ordered batch; the kernel applies all or nothing.
class Transaction {
 public:
  Transaction& add(Op op) {
    ops_.push_back(std::move(op));
    return *this;
  }
  const std::vector<Op>& ops() const { return ops_; }
  bool empty() const { return ops_.empty(); }
  // nft-like text of every operation, for golden files and logs.
  std::string render() const;

 private:
  std::vector<Op> ops_;
};

std::string familyName(Family f);

}  // namespace orch::netfilter
