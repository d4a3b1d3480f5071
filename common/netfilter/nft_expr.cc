#include "common/netfilter/nft_expr.h"

#include <cstdio>

#include "common/base/overloaded.h"

namespace orch::netfilter {

namespace {

std::string reg(uint32_t r) {
  if (r == kRegVerdict) return "verdict";
  if (r >= kReg32_00) return "r32_" + std::to_string(r - kReg32_00);
  return "r" + std::to_string(r);
}

const char* baseName(PayloadBase b) {
  switch (b) {
    case PayloadBase::kLink:
      return "link";
    case PayloadBase::kNetwork:
      return "network";
    case PayloadBase::kTransport:
      return "transport";
  }
  return "?";
}

const char* cmpName(CmpOp op) {
  switch (op) {
    case CmpOp::kEq:
      return "==";
    case CmpOp::kNeq:
      return "!=";
    case CmpOp::kLt:
      return "<";
    case CmpOp::kLte:
      return "<=";
    case CmpOp::kGt:
      return ">";
    case CmpOp::kGte:
      return ">=";
  }
  return "?";
}

std::string verdictText(const Verdict& v) {
  switch (v.code) {
    case VerdictCode::kAccept:
      return "accept";
    case VerdictCode::kDrop:
      return "drop";
    case VerdictCode::kContinue:
      return "continue";
    case VerdictCode::kReturn:
      return "return";
    case VerdictCode::kJump:
      return "jump " + v.chain;
    case VerdictCode::kGoto:
      return "goto " + v.chain;
  }
  return "?";
}

}  // namespace

std::string renderBytes(const Bytes& b) {
  std::string out = "0x";
  char buf[3];
  for (uint8_t c : b) {
    std::snprintf(buf, sizeof buf, "%02x", c);
    out += buf;
  }
  return out;
}

std::string render(const Expr& e) {
  return std::visit(
      Overloaded{
          [](const Payload& p) {
            return "payload " + std::string(baseName(p.base)) + " " + std::to_string(p.offset) +
                   " " + std::to_string(p.len) + " => " + reg(p.dreg);
          },
          [](const Meta& m) { return "meta " + std::to_string(m.key) + " => " + reg(m.dreg); },
          [](const Cmp& c) {
            return "cmp " + reg(c.sreg) + " " + cmpName(c.op) + " " + renderBytes(c.data);
          },
          [](const Bitwise& b) {
            return "bitwise " + reg(b.sreg) + " & " + renderBytes(b.mask) + " ^ " +
                   renderBytes(b.xor_) + " => " + reg(b.dreg);
          },
          [](const Immediate& i) {
            return "immediate " + renderBytes(i.data) + " => " + reg(i.dreg);
          },
          [](const Verdict& v) { return verdictText(v); },
          [](const Lookup& l) {
            std::string s = "lookup " + reg(l.sreg) + (l.invert ? " not in @" : " in @") + l.set;
            if (l.dreg) s += " => " + reg(*l.dreg);
            return s;
          },
          [](const Ct& c) { return "ct " + std::to_string(c.key) + " => " + reg(c.dreg); },
          [](const Counter&) { return std::string("counter"); },
          [](const Nat& n) {
            std::string s = n.type == NatType::kDnat ? "dnat" : "snat";
            s += n.family == 10 ? " ip6" : " ip";
            if (n.reg_addr) s += " addr " + reg(*n.reg_addr);
            if (n.reg_proto) s += " port " + reg(*n.reg_proto);
            if (n.flags != 0) s += " flags " + std::to_string(n.flags);
            return s;
          },
          [](const Masquerade& m) {
            return m.flags != 0 ? "masquerade flags " + std::to_string(m.flags)
                                : std::string("masquerade");
          },
          [](const Numgen& n) {
            return std::string("numgen ") + (n.random ? "random" : "inc") + " mod " +
                   std::to_string(n.modulus) + " offset " + std::to_string(n.offset) + " => " +
                   reg(n.dreg);
          },
          [](const Dynset& d) {
            std::string s =
                "dynset " + std::to_string(d.op) + " @" + d.set + " key " + reg(d.sreg_key);
            if (d.sreg_data) s += " data " + reg(*d.sreg_data);
            if (d.timeout_ms != 0) s += " timeout " + std::to_string(d.timeout_ms) + "ms";
            return s;
          },
          [](const Fib& f) {
            return "fib result " + std::to_string(f.result) + " flags " + std::to_string(f.flags) +
                   " => " + reg(f.dreg);
          },
          [](const Reject& r) {
            return "reject type " + std::to_string(r.type) + " code " + std::to_string(r.code);
          },
          [](const MetaSet& m) {
            return "meta set " + std::to_string(m.key) + " <= " + reg(m.sreg);
          },
      },
      e);
}

}  // namespace orch::netfilter
