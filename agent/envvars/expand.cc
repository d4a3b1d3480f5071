#include "agent/envvars/expand.h"

namespace orch::agent {

namespace {

constexpr char kOperator = '$';
constexpr char kOpener = '(';
constexpr char kCloser = ')';

struct ReadResult {
  std::string_view text;  // the variable name when is_var, else the bytes to copy
  bool is_var = false;
  size_t advance = 0;  // bytes consumed after the operator
};

// `input` starts right after a `$` and is not empty.
ReadResult tryReadVariableName(std::string_view input) {
  switch (input[0]) {
    case kOperator:  // escaped operator
      return {input.substr(0, 1), false, 1};
    case kOpener:
      for (size_t i = 1; i < input.size(); ++i) {
        if (input[i] == kCloser) return {input.substr(1, i - 1), true, i + 1};
      }
      return {"$(", false, 1};  // incomplete reference: keep it, rescan after the '('
    default:
      return {{}, false, 0};  // a lone operator: copied with the following byte by the caller
  }
}

}  // namespace

std::string expandVars(std::string_view input, const VarLookup& lookup) {
  std::string out;
  out.reserve(input.size());
  size_t checkpoint = 0;
  for (size_t cursor = 0; cursor < input.size(); ++cursor) {
    if (input[cursor] != kOperator || cursor + 1 >= input.size()) continue;
    out.append(input.substr(checkpoint, cursor - checkpoint));
    ReadResult r = tryReadVariableName(input.substr(cursor + 1));
    if (r.is_var) {
      std::optional<std::string> v = lookup ? lookup(r.text) : std::nullopt;
      if (v) {
        out += *v;
      } else {
        out += "$(";
        out.append(r.text);
        out += ')';
      }
    } else if (r.advance == 0) {
      // Not an expression: the operator and the next byte pass through.
      out += kOperator;
      out += input[cursor + 1];
      r.advance = 1;
    } else {
      out.append(r.text);
    }
    cursor += r.advance;
    checkpoint = cursor + 1;
  }
  if (checkpoint < input.size()) out.append(input.substr(checkpoint));
  return out;
}

VarLookup lookupInMaps(std::vector<const std::map<std::string, std::string>*> maps) {
  return [maps = std::move(maps)](std::string_view name) -> std::optional<std::string> {
    for (const auto* m : maps) {
      if (m == nullptr) continue;
      auto it = m->find(std::string(name));
      if (it != m->end()) return it->second;
    }
    return std::nullopt;
  };
}

}  // namespace orch::agent
