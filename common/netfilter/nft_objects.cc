#include "common/netfilter/nft_objects.h"

#include "common/base/overloaded.h"

namespace orch::netfilter {

namespace {

std::string where(Family f, const std::string& table) {
  return familyName(f) + " " + table;
}

std::string chainText(const Chain& c) {
  std::string s = where(c.family, c.table) + " " + c.name;
  if (c.base) {
    s += " { type " + c.base->type + " hook " + std::to_string(c.base->hook) + " priority " +
         std::to_string(c.base->priority);
    if (c.base->policy) s += " policy " + std::to_string(*c.base->policy);
    s += " }";
  }
  return s;
}

std::string setText(const Set& s) {
  std::string out = where(s.family, s.table) + " " + s.name + " { key";
  for (size_t i = 0; i < s.key.size(); ++i) {
    out += (i == 0 ? " " : " . ") + std::to_string(static_cast<uint32_t>(s.key[i]));
  }
  if (s.data) out += " : " + std::to_string(static_cast<uint32_t>(*s.data));
  if (s.flags != 0) out += " flags " + std::to_string(s.flags);
  if (s.timeout_ms != 0) out += " timeout " + std::to_string(s.timeout_ms) + "ms";
  return out + " }";
}

std::string elementText(const Element& e) {
  std::string s = renderBytes(e.key);
  if (e.data) s += " : " + renderBytes(*e.data);
  if (e.verdict) s += " : " + render(Expr(*e.verdict));
  if (e.timeout_ms != 0) s += " timeout " + std::to_string(e.timeout_ms) + "ms";
  return s;
}

std::string elementsText(const Set& set, const std::vector<Element>& elems) {
  std::string s = where(set.family, set.table) + " " + set.name + " {";
  for (size_t i = 0; i < elems.size(); ++i) s += (i == 0 ? " " : ", ") + elementText(elems[i]);
  return s + " }";
}

std::string ruleText(const Rule& r) {
  std::string s = where(r.family, r.table) + " " + r.chain;
  if (r.handle) s += " handle " + std::to_string(*r.handle);
  for (const Expr& e : r.exprs) s += "\n    " + render(e);
  if (!r.comment.empty()) s += "\n    comment \"" + r.comment + "\"";
  return s;
}

}  // namespace

uint32_t dataLength(DataType t) {
  switch (t) {
    case DataType::kVerdict:
      return 0;
    case DataType::kMark:
      return 4;
    case DataType::kIpv4Addr:
      return 4;
    case DataType::kIpv6Addr:
      return 16;
    case DataType::kInetProto:
      return 1;
    case DataType::kInetService:
      return 2;
    case DataType::kIfname:
      return 16;
    case DataType::kIpv4AddrInetService:
      return 8;
    case DataType::kIpv6AddrInetService:
      return 20;
  }
  return 0;
}

std::string familyName(Family f) {
  switch (f) {
    case Family::kInet:
      return "inet";
    case Family::kIp:
      return "ip";
    case Family::kIp6:
      return "ip6";
    case Family::kBridge:
      return "bridge";
  }
  return "?";
}

std::string Transaction::render() const {
  std::string out;
  for (const Op& op : ops_) {
    out += std::visit(
        Overloaded{
            [](const AddTable& o) { return "add table " + where(o.table.family, o.table.name); },
            [](const DeleteTable& o) {
              return "delete table " + where(o.table.family, o.table.name);
            },
            [](const AddChain& o) { return "add chain " + chainText(o.chain); },
            [](const FlushChain& o) { return "flush chain " + chainText(o.chain); },
            [](const DeleteChain& o) { return "delete chain " + chainText(o.chain); },
            [](const AddRule& o) { return "add rule " + ruleText(o.rule); },
            [](const DeleteRule& o) { return "delete rule " + ruleText(o.rule); },
            [](const AddSet& o) {
              return std::string(o.set.data ? "add map " : "add set ") + setText(o.set);
            },
            [](const FlushSet& o) { return "flush set " + setText(o.set); },
            [](const DeleteSet& o) { return "delete set " + setText(o.set); },
            [](const AddElements& o) { return "add element " + elementsText(o.set, o.elements); },
            [](const DeleteElements& o) {
              return "delete element " + elementsText(o.set, o.elements);
            },
        },
        op);
    out += '\n';
  }
  return out;
}

}  // namespace orch::netfilter
