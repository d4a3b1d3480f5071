#include "common/api/label_selector.h"

#include <algorithm>
#include <charconv>
#include <cstdint>

namespace orch::api {
namespace {

bool isAlnum(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

// ([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9], at most 63 characters.
bool isQualifiedNamePart(std::string_view s) {
  if (s.empty() || s.size() > 63) return false;
  if (!isAlnum(s.front()) || !isAlnum(s.back())) return false;
  return std::all_of(s.begin(), s.end(),
                     [](char c) { return isAlnum(c) || c == '-' || c == '_' || c == '.'; });
}

// RFC 1123 subdomain: lowercase labels of [a-z0-9-] separated by '.', at most 253 characters.
bool isDnsSubdomain(std::string_view s) {
  if (s.empty() || s.size() > 253) return false;
  size_t start = 0;
  while (true) {
    size_t dot = s.find('.', start);
    std::string_view label = s.substr(start, dot == std::string_view::npos ? dot : dot - start);
    if (label.empty()) return false;
    auto lowerAlnum = [](char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); };
    if (!lowerAlnum(label.front()) || !lowerAlnum(label.back())) return false;
    for (char c : label) {
      if (!lowerAlnum(c) && c != '-') return false;
    }
    if (dot == std::string_view::npos) return true;
    start = dot + 1;
  }
}

bool parseInt64(std::string_view s, int64_t& out) {
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  return ec == std::errc() && ptr == s.data() + s.size();
}

// --- lexer for the string syntax ---

enum class Tok {
  kEnd,
  kIdent,
  kIn,
  kNotIn,
  kNot,
  kNotEquals,
  kOpen,
  kClose,
  kComma,
  kEquals,
  kDoubleEquals,
  kGt,
  kLt
};

bool isSpecial(char c) {
  return c == '!' || c == '=' || c == '(' || c == ')' || c == ',' || c == '>' || c == '<';
}
bool isSpace(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

class Lexer {
 public:
  explicit Lexer(std::string_view s) : s_(s) {}
  // Reads the next token; `text` holds an identifier's text.
  Tok next(std::string& text) {
    while (pos_ < s_.size() && isSpace(s_[pos_])) ++pos_;
    start_ = pos_;
    if (pos_ >= s_.size()) return Tok::kEnd;
    char c = s_[pos_];
    if (isSpecial(c)) {
      ++pos_;
      bool eq = pos_ < s_.size() && s_[pos_] == '=';
      switch (c) {
        case '!':
          if (eq) {
            ++pos_;
            return Tok::kNotEquals;
          }
          return Tok::kNot;
        case '=':
          if (eq) {
            ++pos_;
            return Tok::kDoubleEquals;
          }
          return Tok::kEquals;
        case '(':
          return Tok::kOpen;
        case ')':
          return Tok::kClose;
        case ',':
          return Tok::kComma;
        case '>':
          return Tok::kGt;
        default:
          return Tok::kLt;
      }
    }
    while (pos_ < s_.size() && !isSpace(s_[pos_]) && !isSpecial(s_[pos_])) ++pos_;
    text.assign(s_.substr(start_, pos_ - start_));
    if (text == "in") return Tok::kIn;
    if (text == "notin") return Tok::kNotIn;
    return Tok::kIdent;
  }
  Tok peek() {
    size_t save = pos_, save_start = start_;
    std::string ignored;
    Tok t = next(ignored);
    pos_ = save;
    start_ = save_start;
    return t;
  }
  size_t start() const { return start_; }

 private:
  std::string_view s_;
  size_t pos_ = 0;
  size_t start_ = 0;
};

}  // namespace

Status validateLabelKey(std::string_view key) {
  auto bad = [&](std::string_view why) {
    return Status::invalid("invalid label key \"" + std::string(key) + "\": " + std::string(why));
  };
  size_t slash = key.find('/');
  std::string_view name = key;
  if (slash != std::string_view::npos) {
    std::string_view prefix = key.substr(0, slash);
    name = key.substr(slash + 1);
    if (prefix.empty()) return bad("prefix part must not be empty");
    if (!isDnsSubdomain(prefix)) {
      return bad("prefix part must be a lowercase RFC 1123 subdomain (at most 253 characters)");
    }
  }
  if (!isQualifiedNamePart(name)) {
    return bad(
        "name part must be at most 63 characters of [A-Za-z0-9_.-], starting and ending "
        "with an alphanumeric character");
  }
  return Status::ok();
}

Status validateLabelValue(std::string_view value) {
  if (value.empty() || isQualifiedNamePart(value)) return Status::ok();
  return Status::invalid("invalid label value \"" + std::string(value) +
                         "\": must be empty or at most 63 characters of [A-Za-z0-9_.-], "
                         "starting and ending with an alphanumeric character");
}

bool Selector::Requirement::matches(const Labels& labels) const {
  auto it = labels.find(key);
  switch (op) {
    case Op::kEquals:
    case Op::kDoubleEquals:
    case Op::kIn:
      return it != labels.end() && std::binary_search(values.begin(), values.end(), it->second);
    case Op::kNotEquals:
    case Op::kNotIn:
      return it == labels.end() || !std::binary_search(values.begin(), values.end(), it->second);
    case Op::kExists:
      return it != labels.end();
    case Op::kDoesNotExist:
      return it == labels.end();
    case Op::kGt:
    case Op::kLt: {
      if (it == labels.end() || values.size() != 1) return false;
      int64_t have = 0, want = 0;
      if (!parseInt64(it->second, have) || !parseInt64(values[0], want)) return false;
      return op == Op::kGt ? have > want : have < want;
    }
  }
  return false;
}

std::string Selector::Requirement::toString() const {
  std::string out;
  if (op == Op::kDoesNotExist) out += '!';
  out += key;
  switch (op) {
    case Op::kEquals:
      out += '=';
      break;
    case Op::kDoubleEquals:
      out += "==";
      break;
    case Op::kNotEquals:
      out += "!=";
      break;
    case Op::kIn:
      out += " in ";
      break;
    case Op::kNotIn:
      out += " notin ";
      break;
    case Op::kGt:
      out += '>';
      break;
    case Op::kLt:
      out += '<';
      break;
    case Op::kExists:
    case Op::kDoesNotExist:
      return out;
  }
  if (op == Op::kIn || op == Op::kNotIn) {
    out += '(';
    for (size_t i = 0; i < values.size(); ++i) {
      if (i > 0) out += ',';
      out += values[i];
    }
    out += ')';
  } else if (!values.empty()) {
    out += values[0];
  }
  return out;
}

Selector Selector::nothing() {
  Selector s;
  s.nothing_ = true;
  return s;
}

Result<Selector::Requirement> Selector::makeRequirement(std::string key, Op op,
                                                        std::vector<std::string> values) {
  ORCH_RETURN_IF_ERROR(validateLabelKey(key));
  auto bad = [&](std::string_view why) {
    return Status::invalid("label selector requirement on \"" + key + "\": " + std::string(why));
  };
  switch (op) {
    case Op::kIn:
    case Op::kNotIn:
      if (values.empty()) return bad("values must not be empty for 'in' and 'notin'");
      break;
    case Op::kEquals:
    case Op::kDoubleEquals:
    case Op::kNotEquals:
      if (values.size() != 1) return bad("exactly one value is required for '=', '==', '!='");
      break;
    case Op::kExists:
    case Op::kDoesNotExist:
      if (!values.empty()) return bad("values must be empty for 'exists' and '!'");
      break;
    case Op::kGt:
    case Op::kLt: {
      int64_t ignored = 0;
      if (values.size() != 1) return bad("exactly one value is required for '>' and '<'");
      if (!parseInt64(values[0], ignored)) {
        return bad("value \"" + values[0] + "\" for '>' or '<' must be an integer");
      }
      break;
    }
  }
  if (op != Op::kGt && op != Op::kLt) {
    for (const auto& v : values) ORCH_RETURN_IF_ERROR(validateLabelValue(v));
  }
  std::sort(values.begin(), values.end());
  values.erase(std::unique(values.begin(), values.end()), values.end());
  return Requirement{std::move(key), op, std::move(values)};
}

void Selector::add(Requirement r) {
  auto pos = std::upper_bound(reqs_.begin(), reqs_.end(), r.key,
                              [](const std::string& k, const Requirement& e) { return k < e.key; });
  reqs_.insert(pos, std::move(r));
}

Result<Selector> Selector::fromSet(const Labels& set) {
  Selector s;
  for (const auto& [k, v] : set) {
    ORCH_ASSIGN_OR_RETURN(Requirement r, makeRequirement(k, Op::kEquals, {v}));
    s.reqs_.push_back(std::move(r));  // the map is already ordered by key
  }
  return s;
}

Result<Selector> Selector::parse(std::string_view text) {
  Selector sel;
  Lexer lex(text);
  std::string ident;
  auto bad = [&](std::string_view why) {
    return Status::invalid("invalid label selector \"" + std::string(text) + "\" at position " +
                           std::to_string(lex.start()) + ": " + std::string(why));
  };
  if (lex.peek() == Tok::kEnd) return sel;
  while (true) {
    std::string key;
    Op op = Op::kExists;
    std::vector<std::string> values;
    Tok t = lex.next(ident);
    if (t == Tok::kNot) {
      if (lex.next(ident) != Tok::kIdent) return bad("expected a label key after '!'");
      key = ident;
      op = Op::kDoesNotExist;
    } else if (t == Tok::kIdent) {
      key = ident;
      Tok o = lex.peek();
      if (o == Tok::kEnd || o == Tok::kComma) {
        op = Op::kExists;
      } else {
        lex.next(ident);
        switch (o) {
          case Tok::kEquals:
            op = Op::kEquals;
            break;
          case Tok::kDoubleEquals:
            op = Op::kDoubleEquals;
            break;
          case Tok::kNotEquals:
            op = Op::kNotEquals;
            break;
          case Tok::kIn:
            op = Op::kIn;
            break;
          case Tok::kNotIn:
            op = Op::kNotIn;
            break;
          case Tok::kGt:
            op = Op::kGt;
            break;
          case Tok::kLt:
            op = Op::kLt;
            break;
          default:
            return bad("expected one of: in, notin, =, ==, !=, >, < after key \"" + key + "\"");
        }
        if (op == Op::kIn || op == Op::kNotIn) {
          if (lex.next(ident) != Tok::kOpen) return bad("expected '(' after in/notin");
          // ( [value] { , [value] } ): an empty entry is the empty value, as upstream.
          bool first = true;
          while (true) {
            Tok v = lex.next(ident);
            if (v == Tok::kClose) {
              if (!first) values.emplace_back();  // "(a,)"
              break;
            }
            first = false;
            if (v == Tok::kComma) {
              values.emplace_back();  // "(,a)"
              continue;
            }
            if (v != Tok::kIdent && v != Tok::kIn && v != Tok::kNotIn) {
              return bad("expected a value or ')'");
            }
            values.push_back(ident);
            Tok sep = lex.next(ident);
            if (sep == Tok::kClose) break;
            if (sep != Tok::kComma) return bad("expected ',' or ')' in value list");
          }
        } else {
          Tok v = lex.peek();
          if (v == Tok::kEnd || v == Tok::kComma) {
            values.emplace_back();  // "a=" selects the empty value
          } else {
            v = lex.next(ident);
            if (v != Tok::kIdent && v != Tok::kIn && v != Tok::kNotIn) {
              return bad("expected a value");
            }
            values.push_back(ident);
          }
        }
      }
    } else {
      return bad("expected a label key or '!'");
    }
    auto r = makeRequirement(std::move(key), op, std::move(values));
    if (!r.ok()) return bad(r.status().context());
    sel.add(std::move(r).value());
    Tok sep = lex.next(ident);
    if (sep == Tok::kEnd) break;
    if (sep != Tok::kComma) return bad("expected ',' or end of selector");
  }
  return sel;
}

bool Selector::matches(const Labels& labels) const {
  if (nothing_) return false;
  for (const auto& r : reqs_) {
    if (!r.matches(labels)) return false;
  }
  return true;
}

std::string Selector::toString() const {
  std::string out;
  for (size_t i = 0; i < reqs_.size(); ++i) {
    if (i > 0) out += ',';
    out += reqs_[i].toString();
  }
  return out;
}

Result<Selector> toSelector(const LabelSelector& s) {
  Selector sel;
  for (const auto& [k, v] : s.matchLabels) {
    auto r = Selector::makeRequirement(k, Selector::Op::kEquals, {v});
    if (!r.ok()) return r.status().withContext("matchLabels");
    sel.add(std::move(r).value());
  }
  for (size_t i = 0; i < s.matchExpressions.size(); ++i) {
    const auto& e = s.matchExpressions[i];
    std::string where = "matchExpressions[" + std::to_string(i) + "]";
    Selector::Op op;
    if (e.operator_ == "In") {
      op = Selector::Op::kIn;
    } else if (e.operator_ == "NotIn") {
      op = Selector::Op::kNotIn;
    } else if (e.operator_ == "Exists") {
      op = Selector::Op::kExists;
    } else if (e.operator_ == "DoesNotExist") {
      op = Selector::Op::kDoesNotExist;
    } else {
      return Status::invalid(where + ".operator: \"" + e.operator_ +
                             "\" is not a valid label selector operator (In, NotIn, Exists, "
                             "DoesNotExist)");
    }
    auto r = Selector::makeRequirement(e.key, op, e.values);
    if (!r.ok()) return r.status().withContext(where);
    sel.add(std::move(r).value());
  }
  return sel;
}

Result<Selector> toSelector(const std::optional<LabelSelector>& s) {
  if (!s) return Selector::nothing();
  return toSelector(*s);
}

ORCH_API_FIELDS(LabelSelectorRequirement) {
  ORCH_F(f.always("key", v.key));
  ORCH_F(f.always("operator", v.operator_));
  return f("values", v.values);
}

ORCH_API_FIELDS(LabelSelector) {
  ORCH_F(f("matchLabels", v.matchLabels));
  return f("matchExpressions", v.matchExpressions);
}

}  // namespace orch::api
