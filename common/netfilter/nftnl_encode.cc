#include "common/netfilter/nftnl_encode.h"

#include <libnftnl/expr.h>
#include <libnftnl/udata.h>
#include <linux/netfilter/nf_tables.h>

#include <cstdlib>
#include <variant>

#include "common/base/overloaded.h"

namespace orch::netfilter::detail {

namespace {

// The limit of a rule's userdata.
constexpr size_t kUserdataMax = 256;
// Sets: concatenated key types are packed 6 bits per component, as nft does.
constexpr uint32_t kTypeBits = 6;

nftnl_expr* newExpr(const char* name) {
  nftnl_expr* e = nftnl_expr_alloc(name);
  if (e == nullptr) std::abort();  // out of memory or unknown expression: a programming error
  return e;
}

void setData(nftnl_expr* e, uint16_t attr, const Bytes& b) {
  nftnl_expr_set(e, attr, b.data(), static_cast<uint32_t>(b.size()));
}

nftnl_expr* encodeExpr(const Expr& expr) {
  return std::visit(
      Overloaded{
          [](const Payload& p) {
            nftnl_expr* e = newExpr("payload");
            nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_BASE, static_cast<uint32_t>(p.base));
            nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_OFFSET, p.offset);
            nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_LEN, p.len);
            nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_DREG, p.dreg);
            return e;
          },
          [](const Meta& m) {
            nftnl_expr* e = newExpr("meta");
            nftnl_expr_set_u32(e, NFTNL_EXPR_META_KEY, m.key);
            nftnl_expr_set_u32(e, NFTNL_EXPR_META_DREG, m.dreg);
            return e;
          },
          [](const Cmp& c) {
            nftnl_expr* e = newExpr("cmp");
            nftnl_expr_set_u32(e, NFTNL_EXPR_CMP_SREG, c.sreg);
            nftnl_expr_set_u32(e, NFTNL_EXPR_CMP_OP, static_cast<uint32_t>(c.op));
            setData(e, NFTNL_EXPR_CMP_DATA, c.data);
            return e;
          },
          [](const Bitwise& b) {
            nftnl_expr* e = newExpr("bitwise");
            nftnl_expr_set_u32(e, NFTNL_EXPR_BITWISE_SREG, b.sreg);
            nftnl_expr_set_u32(e, NFTNL_EXPR_BITWISE_DREG, b.dreg);
            nftnl_expr_set_u32(e, NFTNL_EXPR_BITWISE_LEN, static_cast<uint32_t>(b.mask.size()));
            setData(e, NFTNL_EXPR_BITWISE_MASK, b.mask);
            setData(e, NFTNL_EXPR_BITWISE_XOR, b.xor_);
            return e;
          },
          [](const Immediate& i) {
            nftnl_expr* e = newExpr("immediate");
            nftnl_expr_set_u32(e, NFTNL_EXPR_IMM_DREG, i.dreg);
            setData(e, NFTNL_EXPR_IMM_DATA, i.data);
            return e;
          },
          [](const Verdict& v) {
            nftnl_expr* e = newExpr("immediate");
            nftnl_expr_set_u32(e, NFTNL_EXPR_IMM_DREG, NFT_REG_VERDICT);
            nftnl_expr_set_u32(e, NFTNL_EXPR_IMM_VERDICT, static_cast<uint32_t>(v.code));
            if (!v.chain.empty()) nftnl_expr_set_str(e, NFTNL_EXPR_IMM_CHAIN, v.chain.c_str());
            return e;
          },
          [](const Lookup& l) {
            nftnl_expr* e = newExpr("lookup");
            nftnl_expr_set_u32(e, NFTNL_EXPR_LOOKUP_SREG, l.sreg);
            nftnl_expr_set_str(e, NFTNL_EXPR_LOOKUP_SET, l.set.c_str());
            if (l.dreg) nftnl_expr_set_u32(e, NFTNL_EXPR_LOOKUP_DREG, *l.dreg);
            if (l.invert) nftnl_expr_set_u32(e, NFTNL_EXPR_LOOKUP_FLAGS, NFT_LOOKUP_F_INV);
            return e;
          },
          [](const Ct& c) {
            nftnl_expr* e = newExpr("ct");
            nftnl_expr_set_u32(e, NFTNL_EXPR_CT_KEY, c.key);
            nftnl_expr_set_u32(e, NFTNL_EXPR_CT_DREG, c.dreg);
            return e;
          },
          [](const Counter&) { return newExpr("counter"); },
          [](const Nat& n) {
            nftnl_expr* e = newExpr("nat");
            nftnl_expr_set_u32(e, NFTNL_EXPR_NAT_TYPE, static_cast<uint32_t>(n.type));
            nftnl_expr_set_u32(e, NFTNL_EXPR_NAT_FAMILY, n.family);
            if (n.reg_addr) nftnl_expr_set_u32(e, NFTNL_EXPR_NAT_REG_ADDR_MIN, *n.reg_addr);
            if (n.reg_proto) nftnl_expr_set_u32(e, NFTNL_EXPR_NAT_REG_PROTO_MIN, *n.reg_proto);
            if (n.flags != 0) nftnl_expr_set_u32(e, NFTNL_EXPR_NAT_FLAGS, n.flags);
            return e;
          },
          [](const Masquerade& m) {
            nftnl_expr* e = newExpr("masq");
            if (m.flags != 0) nftnl_expr_set_u32(e, NFTNL_EXPR_MASQ_FLAGS, m.flags);
            return e;
          },
          [](const Numgen& n) {
            nftnl_expr* e = newExpr("numgen");
            nftnl_expr_set_u32(e, NFTNL_EXPR_NG_DREG, n.dreg);
            nftnl_expr_set_u32(e, NFTNL_EXPR_NG_MODULUS, n.modulus);
            nftnl_expr_set_u32(e, NFTNL_EXPR_NG_TYPE,
                               n.random ? NFT_NG_RANDOM : NFT_NG_INCREMENTAL);
            nftnl_expr_set_u32(e, NFTNL_EXPR_NG_OFFSET, n.offset);
            return e;
          },
          [](const Dynset& d) {
            nftnl_expr* e = newExpr("dynset");
            nftnl_expr_set_str(e, NFTNL_EXPR_DYNSET_SET_NAME, d.set.c_str());
            nftnl_expr_set_u32(e, NFTNL_EXPR_DYNSET_OP, d.op);
            nftnl_expr_set_u32(e, NFTNL_EXPR_DYNSET_SREG_KEY, d.sreg_key);
            if (d.sreg_data) nftnl_expr_set_u32(e, NFTNL_EXPR_DYNSET_SREG_DATA, *d.sreg_data);
            if (d.timeout_ms != 0) nftnl_expr_set_u64(e, NFTNL_EXPR_DYNSET_TIMEOUT, d.timeout_ms);
            return e;
          },
          [](const Fib& f) {
            nftnl_expr* e = newExpr("fib");
            nftnl_expr_set_u32(e, NFTNL_EXPR_FIB_RESULT, f.result);
            nftnl_expr_set_u32(e, NFTNL_EXPR_FIB_FLAGS, f.flags);
            nftnl_expr_set_u32(e, NFTNL_EXPR_FIB_DREG, f.dreg);
            return e;
          },
          [](const Reject& r) {
            nftnl_expr* e = newExpr("reject");
            nftnl_expr_set_u32(e, NFTNL_EXPR_REJECT_TYPE, r.type);
            nftnl_expr_set_u8(e, NFTNL_EXPR_REJECT_CODE, r.code);
            return e;
          },
          [](const MetaSet& m) {
            nftnl_expr* e = newExpr("meta");
            nftnl_expr_set_u32(e, NFTNL_EXPR_META_KEY, m.key);
            nftnl_expr_set_u32(e, NFTNL_EXPR_META_SREG, m.sreg);
            return e;
          },
      },
      expr);
}

uint32_t keyType(const std::vector<DataType>& key) {
  uint32_t t = 0;
  for (DataType d : key) t = (t << kTypeBits) | static_cast<uint32_t>(d);
  return t;
}

uint32_t keyLength(const std::vector<DataType>& key) {
  if (key.size() == 1) return dataLength(key[0]);
  uint32_t len = 0;
  for (DataType d : key) len += (dataLength(d) + 3) / 4 * 4;  // each component in 4-byte slots
  return len;
}

}  // namespace

TablePtr encodeTable(const Table& t) {
  TablePtr p(nftnl_table_alloc());
  nftnl_table_set_u32(p.get(), NFTNL_TABLE_FAMILY, static_cast<uint32_t>(t.family));
  nftnl_table_set_str(p.get(), NFTNL_TABLE_NAME, t.name.c_str());
  return p;
}

ChainPtr encodeChain(const Chain& c) {
  ChainPtr p(nftnl_chain_alloc());
  nftnl_chain_set_u32(p.get(), NFTNL_CHAIN_FAMILY, static_cast<uint32_t>(c.family));
  nftnl_chain_set_str(p.get(), NFTNL_CHAIN_TABLE, c.table.c_str());
  nftnl_chain_set_str(p.get(), NFTNL_CHAIN_NAME, c.name.c_str());
  if (c.base) {
    nftnl_chain_set_str(p.get(), NFTNL_CHAIN_TYPE, c.base->type.c_str());
    nftnl_chain_set_u32(p.get(), NFTNL_CHAIN_HOOKNUM, c.base->hook);
    nftnl_chain_set_s32(p.get(), NFTNL_CHAIN_PRIO, c.base->priority);
    if (c.base->policy) nftnl_chain_set_u32(p.get(), NFTNL_CHAIN_POLICY, *c.base->policy);
  }
  return p;
}

RulePtr encodeRule(const Rule& r) {
  RulePtr p(nftnl_rule_alloc());
  nftnl_rule_set_u32(p.get(), NFTNL_RULE_FAMILY, static_cast<uint32_t>(r.family));
  nftnl_rule_set_str(p.get(), NFTNL_RULE_TABLE, r.table.c_str());
  nftnl_rule_set_str(p.get(), NFTNL_RULE_CHAIN, r.chain.c_str());
  if (r.handle) nftnl_rule_set_u64(p.get(), NFTNL_RULE_HANDLE, *r.handle);
  for (const Expr& e : r.exprs) nftnl_rule_add_expr(p.get(), encodeExpr(e));
  if (!r.comment.empty()) {
    nftnl_udata_buf* ud = nftnl_udata_buf_alloc(kUserdataMax);
    std::string comment = r.comment.substr(0, kUserdataMax - 8);
    nftnl_udata_put_strz(ud, kRuleCommentUdata, comment.c_str());
    nftnl_rule_set_data(p.get(), NFTNL_RULE_USERDATA, nftnl_udata_buf_data(ud),
                        nftnl_udata_buf_len(ud));
    nftnl_udata_buf_free(ud);
  }
  return p;
}

SetPtr encodeSet(const Set& s, bool with_spec) {
  SetPtr p(nftnl_set_alloc());
  nftnl_set_set_u32(p.get(), NFTNL_SET_FAMILY, static_cast<uint32_t>(s.family));
  nftnl_set_set_str(p.get(), NFTNL_SET_TABLE, s.table.c_str());
  nftnl_set_set_str(p.get(), NFTNL_SET_NAME, s.name.c_str());
  if (!with_spec) return p;
  uint32_t flags = s.flags;
  if (s.data) flags |= NFT_SET_MAP;
  // NFT_SET_CONCAT is only for interval concatenations (with field descriptions);
  // a hash set with a concatenated key needs just the packed type and length.
  if (s.timeout_ms != 0) flags |= NFT_SET_TIMEOUT;
  nftnl_set_set_u32(p.get(), NFTNL_SET_FLAGS, flags);
  nftnl_set_set_u32(p.get(), NFTNL_SET_KEY_TYPE, keyType(s.key));
  nftnl_set_set_u32(p.get(), NFTNL_SET_KEY_LEN, keyLength(s.key));
  if (s.data) {
    if (*s.data == DataType::kVerdict) {
      nftnl_set_set_u32(p.get(), NFTNL_SET_DATA_TYPE, NFT_DATA_VERDICT);
      nftnl_set_set_u32(p.get(), NFTNL_SET_DATA_LEN, 0);
    } else {
      nftnl_set_set_u32(p.get(), NFTNL_SET_DATA_TYPE, static_cast<uint32_t>(*s.data));
      nftnl_set_set_u32(p.get(), NFTNL_SET_DATA_LEN, dataLength(*s.data));
    }
  }
  if (s.timeout_ms != 0) nftnl_set_set_u64(p.get(), NFTNL_SET_TIMEOUT, s.timeout_ms);
  return p;
}

SetPtr encodeElements(const Set& s, const std::vector<Element>& elems, size_t begin, size_t count) {
  SetPtr p = encodeSet(s, false);
  for (size_t i = begin; i < elems.size() && i < begin + count; ++i) {
    const Element& el = elems[i];
    nftnl_set_elem* e = nftnl_set_elem_alloc();
    nftnl_set_elem_set(e, NFTNL_SET_ELEM_KEY, el.key.data(), static_cast<uint32_t>(el.key.size()));
    if (el.data) {
      nftnl_set_elem_set(e, NFTNL_SET_ELEM_DATA, el.data->data(),
                         static_cast<uint32_t>(el.data->size()));
    }
    if (el.verdict) {
      nftnl_set_elem_set_u32(e, NFTNL_SET_ELEM_VERDICT, static_cast<uint32_t>(el.verdict->code));
      if (!el.verdict->chain.empty()) {
        nftnl_set_elem_set_str(e, NFTNL_SET_ELEM_CHAIN, el.verdict->chain.c_str());
      }
    }
    if (el.timeout_ms != 0) nftnl_set_elem_set_u64(e, NFTNL_SET_ELEM_TIMEOUT, el.timeout_ms);
    nftnl_set_elem_add(p.get(), e);
  }
  return p;
}

}  // namespace orch::netfilter::detail
