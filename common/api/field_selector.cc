#include "common/api/field_selector.h"

namespace orch::api {
namespace {

std::string escapeValue(std::string_view v) {
  std::string out;
  for (char c : v) {
    if (c == '\\' || c == ',' || c == '=') out += '\\';
    out += c;
  }
  return out;
}

}  // namespace

Result<FieldSelector> FieldSelector::parse(std::string_view text) {
  FieldSelector sel;
  if (text.find_first_not_of(" \t") == std::string_view::npos) return sel;
  // Split on unescaped ',' and find the operator in each term; a backslash escapes the next
  // character of a value.
  size_t pos = 0;
  while (pos <= text.size()) {
    size_t end = pos;
    bool esc = false;
    for (; end < text.size(); ++end) {
      if (esc) {
        esc = false;
      } else if (text[end] == '\\') {
        esc = true;
      } else if (text[end] == ',') {
        break;
      }
    }
    std::string_view term = text.substr(pos, end - pos);
    auto bad = [&](std::string_view why) {
      return Status::invalid("invalid field selector term \"" + std::string(term) +
                             "\": " + std::string(why));
    };
    size_t op_pos = term.find_first_of("!=");
    if (op_pos == std::string_view::npos)
      return bad("expected field=value, field==value or field!=value");
    Requirement r;
    size_t op_len = 1;
    if (term.substr(op_pos, 2) == "!=") {
      r.op = Op::kNotEquals;
      op_len = 2;
    } else if (term.substr(op_pos, 2) == "==") {
      r.op = Op::kDoubleEquals;
      op_len = 2;
    } else if (term[op_pos] == '=') {
      r.op = Op::kEquals;
    } else {
      return bad("expected '=', '==' or '!='");
    }
    r.field = std::string(term.substr(0, op_pos));
    // Trim spaces around the field name, as upstream does for the whole term.
    while (!r.field.empty() && r.field.front() == ' ') r.field.erase(r.field.begin());
    while (!r.field.empty() && r.field.back() == ' ') r.field.pop_back();
    if (r.field.empty()) return bad("empty field name");
    std::string_view raw = term.substr(op_pos + op_len);
    for (size_t i = 0; i < raw.size(); ++i) {
      if (raw[i] == '\\') {
        if (i + 1 >= raw.size()) return bad("dangling escape '\\' at the end of the value");
        char n = raw[++i];
        if (n != '\\' && n != ',' && n != '=') {
          return bad(std::string("invalid escape sequence \"\\") + n + "\"");
        }
        r.value += n;
      } else if (raw[i] == '=') {
        return bad("unescaped '=' in value");
      } else {
        r.value += raw[i];
      }
    }
    sel.reqs_.push_back(std::move(r));
    pos = end + 1;
  }
  return sel;
}

bool FieldSelector::matches(const Getter& get) const {
  for (const auto& r : reqs_) {
    std::string have = get(r.field).value_or("");
    bool eq = have == r.value;
    if ((r.op == Op::kNotEquals) == eq) return false;
  }
  return true;
}

bool FieldSelector::matches(const std::map<std::string, std::string>& fields) const {
  return matches([&](std::string_view f) -> std::optional<std::string> {
    auto it = fields.find(std::string(f));
    if (it == fields.end()) return std::nullopt;
    return it->second;
  });
}

std::string FieldSelector::toString() const {
  std::string out;
  for (size_t i = 0; i < reqs_.size(); ++i) {
    if (i > 0) out += ',';
    const auto& r = reqs_[i];
    out += r.field;
    out += r.op == Op::kNotEquals ? "!=" : (r.op == Op::kDoubleEquals ? "==" : "=");
    out += escapeValue(r.value);
  }
  return out;
}

std::optional<std::string> FieldSelector::requiresExactMatch(std::string_view field) const {
  for (const auto& r : reqs_) {
    if (r.field == field && r.op != Op::kNotEquals) return r.value;
  }
  return std::nullopt;
}

}  // namespace orch::api
