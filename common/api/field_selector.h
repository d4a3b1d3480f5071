#pragma once
// Field selectors (fields.Selector): "metadata.name=x,spec.nodeName!=y" with the operators
// =, == and !=. A value may contain ',', '=' and '\' escaped with a backslash.
// An empty selector matches everything. Immutable after parse; thread-compatible.

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/base/status.h"

namespace orch::api {

class FieldSelector {
 public:
  enum class Op { kEquals, kDoubleEquals, kNotEquals };
  struct Requirement {
    std::string field;
    Op op = Op::kEquals;
    std::string value;
  };
  // Returns the value of a field, or nullopt when the object has no such field (which then
  // compares as the empty string, as upstream's fields.Set does).
  using Getter = std::function<std::optional<std::string>(std::string_view field)>;

  FieldSelector() = default;  // everything
  // EINVAL naming the bad term for a term without an operator or with an empty field name.
  static Result<FieldSelector> parse(std::string_view text);

  bool matches(const Getter& get) const;
  bool matches(const std::map<std::string, std::string>& fields) const;
  bool empty() const { return reqs_.empty(); }
  // Requirements in parse order, values escaped again.
  std::string toString() const;
  const std::vector<Requirement>& requirements() const { return reqs_; }
  // The value required by `field=value` / `field==value`, if the selector has one.
  std::optional<std::string> requiresExactMatch(std::string_view field) const;

 private:
  std::vector<Requirement> reqs_;
};

}  // namespace orch::api
