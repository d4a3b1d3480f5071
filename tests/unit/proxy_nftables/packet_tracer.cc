#include "tests/unit/proxy_nftables/packet_tracer.h"

#include <arpa/inet.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/rtnetlink.h>

#include <algorithm>
#include <cstring>

#include "common/base/overloaded.h"
#include "common/netfilter/nft_match.h"

namespace orch::proxy::testing {

namespace {

using namespace netfilter;

constexpr uint32_t kIpsDstNat = 1 << 5;  // IPS_DST_NAT
constexpr uint32_t kCtStateNew = 1 << 3;

std::string tableKey(Family f, const std::string& name) {
  return familyName(f) + " " + name;
}

uint32_t keyLength(const Set& s) {
  if (s.key.size() == 1) return dataLength(s.key[0]);
  uint32_t len = 0;
  for (DataType d : s.key) len += (dataLength(d) + 3) / 4 * 4;
  return len;
}

Status err(int code, const std::string& what) {
  return Status::error(code, what);
}

// Whether a rule of `t` uses the set (lookup, dynset) or a rule or an element jumps
// to the chain `name`: the kernel refuses to delete it then (EBUSY).
bool setInUse(const NftModel::TableState& t, const std::string& name) {
  for (const auto& [chain, rules] : t.rules) {
    for (const Rule& r : rules) {
      for (const Expr& e : r.exprs) {
        if (const auto* l = std::get_if<Lookup>(&e); l != nullptr && l->set == name) return true;
        if (const auto* d = std::get_if<Dynset>(&e); d != nullptr && d->set == name) return true;
      }
    }
  }
  return false;
}

bool chainInUse(const NftModel::TableState& t, const std::string& name) {
  auto jumps = [&](const Verdict& v) {
    return (v.code == VerdictCode::kJump || v.code == VerdictCode::kGoto) && v.chain == name;
  };
  for (const auto& [chain, rules] : t.rules) {
    for (const Rule& r : rules) {
      for (const Expr& e : r.exprs) {
        if (const auto* v = std::get_if<Verdict>(&e); v != nullptr && jumps(*v)) return true;
      }
    }
  }
  for (const auto& [set, ss] : t.sets) {
    for (const auto& [key, el] : ss.elements) {
      if (el.verdict && jumps(*el.verdict)) return true;
    }
  }
  return false;
}

std::string addrText(const Bytes& b) {
  char buf[INET6_ADDRSTRLEN] = {};
  inet_ntop(b.size() == 16 ? AF_INET6 : AF_INET, b.data(), buf, sizeof buf);
  return buf;
}

// The evaluation of one packet.
struct Eval {
  std::map<std::string, NftModel::TableState>* tables;
  const std::vector<std::string>* local;
  uint32_t numgen_value;
  uint32_t modulus_seen = 0;
  Bytes src, dst;
  uint8_t proto;
  uint16_t sport, dport;
  uint32_t mark;
  bool dnat_done = false;
  TraceResult result;
  std::string error;

  uint8_t regs[64] = {};
  static size_t off(uint32_t r) { return r <= 4 ? (r - 1) * 16 : (r - 8) * 4; }
  void store(uint32_t r, const Bytes& b) {
    size_t o = off(r);
    size_t padded = (b.size() + 3) / 4 * 4;
    if (o + padded > sizeof regs) {
      error = "register overflow";
      return;
    }
    std::memset(regs + o, 0, padded);
    std::memcpy(regs + o, b.data(), b.size());
  }
  Bytes load(uint32_t r, size_t len) const {
    size_t o = off(r);
    if (o + len > sizeof regs) return {};
    return Bytes(regs + o, regs + o + len);
  }

  bool isLocal(const Bytes& a) const {
    for (const auto& l : *local) {
      auto b = addressBytes(l);
      if (b.ok() && *b == a) return true;
    }
    return false;
  }

  Bytes networkHeader() const {
    bool v6 = dst.size() == 16;
    Bytes h(v6 ? 40 : 20, 0);
    std::copy(src.begin(), src.end(), h.begin() + (v6 ? 8 : 12));
    std::copy(dst.begin(), dst.end(), h.begin() + (v6 ? 24 : 16));
    return h;
  }
  Bytes transportHeader() const {
    Bytes h(8, 0);
    h[0] = static_cast<uint8_t>(sport >> 8), h[1] = static_cast<uint8_t>(sport);
    h[2] = static_cast<uint8_t>(dport >> 8), h[3] = static_cast<uint8_t>(dport);
    return h;
  }

  NftModel::TableState* tableOf(const Rule& r) {
    auto it = tables->find(tableKey(r.family, r.table));
    return it == tables->end() ? nullptr : &it->second;
  }

  enum class Outcome { kContinue, kBreak, kVerdict };
  // The verdict of the rule being evaluated.
  Verdict verdict{VerdictCode::kContinue, {}};

  Outcome expr(NftModel::TableState& t, const Expr& e) {
    return std::visit(
        Overloaded{
            [&](const Payload& p) {
              Bytes h = p.base == PayloadBase::kNetwork ? networkHeader() : transportHeader();
              if (p.base == PayloadBase::kLink || p.offset + p.len > h.size()) {
                error = "unsupported payload load";
                return Outcome::kBreak;
              }
              store(p.dreg, Bytes(h.begin() + p.offset, h.begin() + p.offset + p.len));
              return Outcome::kContinue;
            },
            [&](const Meta& m) {
              if (m.key == NFT_META_NFPROTO) {
                store(m.dreg, {static_cast<uint8_t>(dst.size() == 16 ? 10 : 2)});
              } else if (m.key == NFT_META_L4PROTO) {
                store(m.dreg, {proto});
              } else if (m.key == NFT_META_MARK) {
                store(m.dreg, hostU32(mark));
              } else {
                error = "unsupported meta key " + std::to_string(m.key);
                return Outcome::kBreak;
              }
              return Outcome::kContinue;
            },
            [&](const Cmp& c) {
              Bytes v = load(c.sreg, c.data.size());
              bool eq = v == c.data;
              if (c.op == CmpOp::kEq) return eq ? Outcome::kContinue : Outcome::kBreak;
              if (c.op == CmpOp::kNeq) return eq ? Outcome::kBreak : Outcome::kContinue;
              error = "unsupported cmp";
              return Outcome::kBreak;
            },
            [&](const Bitwise& b) {
              Bytes v = load(b.sreg, b.mask.size());
              for (size_t i = 0; i < v.size(); ++i) v[i] = (v[i] & b.mask[i]) ^ b.xor_[i];
              store(b.dreg, v);
              return Outcome::kContinue;
            },
            [&](const Immediate& i) {
              store(i.dreg, i.data);
              return Outcome::kContinue;
            },
            [&](const Verdict& v) {
              verdict = v;
              return Outcome::kVerdict;
            },
            [&](const Lookup& l) {
              auto s = t.sets.find(l.set);
              if (s == t.sets.end()) {
                error = "lookup in missing set " + l.set;
                return Outcome::kBreak;
              }
              Bytes key = load(l.sreg, keyLength(s->second.spec));
              auto el = s->second.elements.find(key);
              bool found = el != s->second.elements.end();
              if (found == l.invert) return Outcome::kBreak;
              if (!l.dreg) return Outcome::kContinue;
              if (*l.dreg == kRegVerdict) {
                verdict = *el->second.verdict;
                return Outcome::kVerdict;
              }
              store(*l.dreg, *el->second.data);
              return Outcome::kContinue;
            },
            [&](const Ct& c) {
              if (c.key == NFT_CT_STATE) {
                store(c.dreg, hostU32(kCtStateNew));
              } else if (c.key == NFT_CT_STATUS) {
                store(c.dreg, hostU32(dnat_done ? kIpsDstNat : 0));
              } else {
                error = "unsupported ct key";
                return Outcome::kBreak;
              }
              return Outcome::kContinue;
            },
            [&](const Counter&) { return Outcome::kContinue; },
            [&](const Nat& n) {
              if (n.type != NatType::kDnat || !n.reg_addr) {
                error = "unsupported nat";
                return Outcome::kBreak;
              }
              dst = load(*n.reg_addr, dst.size());
              if (n.reg_proto) {
                Bytes p = load(*n.reg_proto, 2);
                dport = static_cast<uint16_t>(p[0] << 8 | p[1]);
              }
              dnat_done = true;
              std::string a = addrText(dst);
              result.dnat = (dst.size() == 16 ? "[" + a + "]" : a) + ":" + std::to_string(dport);
              verdict = Verdict{VerdictCode::kAccept, {}};
              return Outcome::kVerdict;
            },
            [&](const Masquerade&) {
              result.masquerade = true;
              verdict = Verdict{VerdictCode::kAccept, {}};
              return Outcome::kVerdict;
            },
            [&](const Numgen& n) {
              modulus_seen = std::max(modulus_seen, n.modulus);
              store(n.dreg, hostU32(numgen_value % n.modulus + n.offset));
              return Outcome::kContinue;
            },
            [&](const Dynset& d) {
              auto s = t.sets.find(d.set);
              if (s == t.sets.end()) {
                error = "dynset on missing set " + d.set;
                return Outcome::kBreak;
              }
              Bytes key = load(d.sreg_key, keyLength(s->second.spec));
              auto& elems = s->second.elements;
              if (d.op == NFT_DYNSET_OP_DELETE) {
                elems.erase(key);
                return Outcome::kContinue;
              }
              if (elems.count(key) == 0) {
                Element el{key, std::nullopt, std::nullopt, d.timeout_ms};
                if (d.sreg_data) el.data = load(*d.sreg_data, dataLength(*s->second.spec.data));
                elems.emplace(key, std::move(el));
              }
              return Outcome::kContinue;
            },
            [&](const Fib& f) {
              if (f.result != NFT_FIB_RESULT_ADDRTYPE ||
                  (f.flags != NFTA_FIB_F_DADDR && f.flags != NFTA_FIB_F_SADDR)) {
                error = "unsupported fib";
                return Outcome::kBreak;
              }
              const Bytes& a = f.flags == NFTA_FIB_F_DADDR ? dst : src;
              store(f.dreg, hostU32(isLocal(a) ? RTN_LOCAL : RTN_UNICAST));
              return Outcome::kContinue;
            },
            [&](const Reject& r) {
              result.verdict = TraceResult::Verdict::kReject;
              result.tcp_reset = r.type == NFT_REJECT_TCP_RST;
              verdict = Verdict{VerdictCode::kDrop, {}};
              return Outcome::kVerdict;
            },
            [&](const MetaSet& m) {
              if (m.key != NFT_META_MARK) {
                error = "unsupported meta set";
                return Outcome::kBreak;
              }
              Bytes v = load(m.sreg, 4);
              std::memcpy(&mark, v.data(), 4);
              return Outcome::kContinue;
            },
        },
        e);
  }

  // Evaluates a chain: kContinue when it ran off its end or returned; else a verdict
  // (accept / drop) in `verdict`.
  Outcome chain(NftModel::TableState& t, const std::string& name, int depth) {
    if (depth > 16) {
      error = "jump depth exceeded at " + name;
      return Outcome::kBreak;
    }
    result.chains.push_back(name);
    auto rules = t.rules.find(name);
    if (rules == t.rules.end()) {
      error = "missing chain " + name;
      return Outcome::kBreak;
    }
    for (const Rule& r : rules->second) {
      Outcome o = Outcome::kContinue;
      for (const Expr& e : r.exprs) {
        o = expr(t, e);
        if (!error.empty()) return Outcome::kBreak;
        if (o != Outcome::kContinue) break;
      }
      if (o != Outcome::kVerdict) continue;
      switch (verdict.code) {
        case VerdictCode::kAccept:
        case VerdictCode::kDrop:
          return Outcome::kVerdict;
        case VerdictCode::kReturn:
          return Outcome::kContinue;
        case VerdictCode::kContinue:
          continue;
        case VerdictCode::kJump: {
          Outcome j = chain(t, verdict.chain, depth + 1);
          if (j != Outcome::kContinue) return j;
          continue;
        }
        case VerdictCode::kGoto:
          return chain(t, verdict.chain, depth + 1);
      }
    }
    return Outcome::kContinue;
  }

  // Runs the base chains of `hook` in priority order. False when the packet stops.
  bool hook(uint32_t h) {
    std::vector<std::tuple<int32_t, NftModel::TableState*, std::string>> bases;
    for (auto& [k, t] : *tables) {
      for (auto& [name, c] : t.chains) {
        if (c.base && c.base->hook == h) bases.emplace_back(c.base->priority, &t, name);
      }
    }
    std::sort(bases.begin(), bases.end(),
              [](const auto& a, const auto& b) { return std::get<0>(a) < std::get<0>(b); });
    for (auto& [prio, t, name] : bases) {
      verdict = Verdict{VerdictCode::kContinue, {}};
      Outcome o = chain(*t, name, 0);
      if (!error.empty()) return false;
      if (o == Outcome::kVerdict && verdict.code == VerdictCode::kDrop) {
        if (result.verdict != TraceResult::Verdict::kReject) {
          result.verdict = TraceResult::Verdict::kDrop;
        }
        return false;
      }
    }
    return true;
  }
};

}  // namespace

std::string TraceResult::str() const {
  if (verdict == Verdict::kDrop) return "drop";
  if (verdict == Verdict::kReject) return tcp_reset ? "reject tcp-reset" : "reject icmp";
  std::string s = dnat.empty() ? "accept" : "dnat " + dnat;
  if (masquerade) s += " masquerade";
  return s;
}

Status NftModel::apply(const Transaction& tx) {
  std::map<std::string, TableState> t = tables_;
  auto table = [&](Family f, const std::string& name) -> TableState* {
    auto it = t.find(tableKey(f, name));
    return it == t.end() ? nullptr : &it->second;
  };
  for (const Op& op : tx.ops()) {
    Status s = std::visit(
        Overloaded{
            [&](const AddTable& o) {
              t.try_emplace(tableKey(o.table.family, o.table.name));
              return Status::ok();
            },
            [&](const DeleteTable& o) {
              if (t.erase(tableKey(o.table.family, o.table.name)) == 0) {
                return err(ENOENT, "delete table " + o.table.name);
              }
              return Status::ok();
            },
            [&](const AddChain& o) {
              TableState* ts = table(o.chain.family, o.chain.table);
              if (ts == nullptr) return err(ENOENT, "add chain " + o.chain.name);
              ts->chains.try_emplace(o.chain.name, o.chain);
              ts->rules.try_emplace(o.chain.name);
              return Status::ok();
            },
            [&](const FlushChain& o) {
              TableState* ts = table(o.chain.family, o.chain.table);
              if (ts == nullptr || ts->chains.count(o.chain.name) == 0) {
                return err(ENOENT, "flush chain " + o.chain.name);
              }
              ts->rules[o.chain.name].clear();
              return Status::ok();
            },
            [&](const DeleteChain& o) {
              TableState* ts = table(o.chain.family, o.chain.table);
              if (ts == nullptr || ts->chains.count(o.chain.name) == 0) {
                return err(ENOENT, "delete chain " + o.chain.name);
              }
              if (!ts->rules[o.chain.name].empty() || chainInUse(*ts, o.chain.name))
                return err(EBUSY, "delete chain " + o.chain.name);
              ts->chains.erase(o.chain.name);
              ts->rules.erase(o.chain.name);
              return Status::ok();
            },
            [&](const AddRule& o) {
              TableState* ts = table(o.rule.family, o.rule.table);
              if (ts == nullptr || ts->chains.count(o.rule.chain) == 0) {
                return err(ENOENT, "add rule to " + o.rule.chain);
              }
              ts->rules[o.rule.chain].push_back(o.rule);
              return Status::ok();
            },
            [&](const DeleteRule&) { return err(EOPNOTSUPP, "delete rule"); },
            [&](const AddSet& o) {
              TableState* ts = table(o.set.family, o.set.table);
              if (ts == nullptr) return err(ENOENT, "add set " + o.set.name);
              ts->sets.try_emplace(o.set.name, SetState{o.set, {}});
              return Status::ok();
            },
            [&](const FlushSet& o) {
              TableState* ts = table(o.set.family, o.set.table);
              if (ts == nullptr || ts->sets.count(o.set.name) == 0) {
                return err(ENOENT, "flush set " + o.set.name);
              }
              ts->sets[o.set.name].elements.clear();
              return Status::ok();
            },
            [&](const DeleteSet& o) {
              TableState* ts = table(o.set.family, o.set.table);
              if (ts == nullptr || ts->sets.count(o.set.name) == 0) {
                return err(ENOENT, "delete set " + o.set.name);
              }
              if (setInUse(*ts, o.set.name)) return err(EBUSY, "delete set " + o.set.name);
              ts->sets.erase(o.set.name);
              return Status::ok();
            },
            [&](const AddElements& o) {
              TableState* ts = table(o.set.family, o.set.table);
              if (ts == nullptr || ts->sets.count(o.set.name) == 0) {
                return err(ENOENT, "add elements to " + o.set.name);
              }
              SetState& ss = ts->sets[o.set.name];
              for (const Element& e : o.elements) {
                if (e.key.size() != keyLength(ss.spec))
                  return err(EINVAL, "key length in " + o.set.name);
                if (e.verdict &&
                    (e.verdict->code == VerdictCode::kGoto ||
                     e.verdict->code == VerdictCode::kJump) &&
                    ts->chains.count(e.verdict->chain) == 0) {
                  return err(ENOENT, "element jumps to missing chain " + e.verdict->chain);
                }
                auto [it, added] = ss.elements.emplace(e.key, e);
                if (!added && (it->second.data != e.data ||
                               it->second.verdict.has_value() != e.verdict.has_value() ||
                               (e.verdict && it->second.verdict->chain != e.verdict->chain))) {
                  return err(EEXIST, "element clash in " + o.set.name);
                }
              }
              return Status::ok();
            },
            [&](const DeleteElements& o) {
              TableState* ts = table(o.set.family, o.set.table);
              if (ts == nullptr || ts->sets.count(o.set.name) == 0) {
                return err(ENOENT, "delete elements from " + o.set.name);
              }
              for (const Element& e : o.elements) {
                if (ts->sets[o.set.name].elements.erase(e.key) == 0) {
                  return err(ENOENT, "delete missing element from " + o.set.name);
                }
              }
              return Status::ok();
            },
        },
        op);
    if (!s.isOk()) return s;
  }
  tables_ = std::move(t);
  return Status::ok();
}

Result<TraceResult> NftModel::run(const Packet& p, uint32_t numgen, uint32_t* modulus_seen,
                                  std::map<std::string, TableState>& tables) const {
  Eval ev;
  ev.tables = &tables;
  ev.local = &local_;
  ev.numgen_value = numgen;
  auto src = addressBytes(p.src);
  auto dst = addressBytes(p.dst);
  if (!src.ok() || !dst.ok()) return Status::invalid("packet addresses");
  ev.src = *src, ev.dst = *dst;
  ev.proto = protocolNumber(p.proto);
  ev.sport = p.sport, ev.dport = p.dport, ev.mark = p.mark;
  if (p.locally_generated) {
    if (ev.hook(kHookOutput)) ev.hook(kHookPostrouting);
  } else if (ev.hook(kHookPrerouting)) {
    if (ev.isLocal(ev.dst)) {
      ev.hook(kHookInput);
    } else if (ev.hook(kHookForward)) {
      ev.hook(kHookPostrouting);
    }
  }
  if (!ev.error.empty()) return Status::invalid("trace: " + ev.error);
  *modulus_seen = ev.modulus_seen;
  return ev.result;
}

Result<std::vector<TraceResult>> NftModel::trace(const Packet& p) const {
  std::vector<TraceResult> out;
  uint32_t modulus = 1;
  for (uint32_t k = 0; k < modulus; ++k) {
    std::map<std::string, TableState> scratch = tables_;
    uint32_t seen = 0;
    ORCH_ASSIGN_OR_RETURN(TraceResult r, run(p, k, &seen, scratch));
    modulus = std::max(modulus, seen);
    out.push_back(std::move(r));
  }
  return out;
}

Result<TraceResult> NftModel::traceOnce(const Packet& p, uint32_t numgen) {
  uint32_t seen = 0;
  return run(p, numgen, &seen, tables_);
}

size_t NftModel::elementCount(const std::string& set) const {
  size_t n = 0;
  for (const auto& [k, t] : tables_) {
    auto s = t.sets.find(set);
    if (s != t.sets.end()) n += s->second.elements.size();
  }
  return n;
}

std::vector<std::string> NftModel::setNames() const {
  std::vector<std::string> out;
  for (const auto& [k, t] : tables_)
    for (const auto& [name, ss] : t.sets) out.push_back(name);
  std::sort(out.begin(), out.end());
  return out;
}

size_t NftModel::ruleCount() const {
  size_t n = 0;
  for (const auto& [k, t] : tables_)
    for (const auto& [c, r] : t.rules) n += r.size();
  return n;
}

size_t NftModel::chainCount() const {
  size_t n = 0;
  for (const auto& [k, t] : tables_) n += t.chains.size();
  return n;
}

Status FakeNftOps::commit(const Transaction& tx) {
  ++commits;
  if (fail_commits > 0) {
    --fail_commits;
    ++failures;
    return fail_status;
  }
  Status s = model_->apply(tx);
  if (!s.isOk()) {
    ++failures;
    return s;
  }
  committed.push_back(tx.render());
  return s;
}

Result<std::vector<RuleInfo>> FakeNftOps::listRules(Family, std::string_view, std::string_view) {
  return std::vector<RuleInfo>{};
}

Result<std::vector<std::string>> FakeNftOps::listTables(Family) {
  if (!model_->hasTable()) return std::vector<std::string>{};
  return std::vector<std::string>{"orch-proxy"};
}

}  // namespace orch::proxy::testing
