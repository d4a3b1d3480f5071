#pragma once
// Label selectors: the metav1.LabelSelector API struct and a parsed Selector (labels.Selector)
// built from the string syntax or from a LabelSelector.
//
// String syntax (as kubectl -l and the ?labelSelector= query parameter):
//   a=b  a==b  a!=b  a in (x,y)  a notin (x,y)  a  !a  a>5  a<5   joined by ','
// Keys are qualified names ([prefix/]name, name <= 63 chars of [A-Za-z0-9_.-] starting and
// ending alphanumeric, prefix a DNS subdomain); values are empty or names of the same form.
// Errors are EINVAL naming the offending key, value or position.
// A Selector is immutable after construction; matches() is safe from any thread.

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/api/json_io.h"
#include "common/base/status.h"

namespace orch::api {

using Labels = std::map<std::string, std::string>;

struct LabelSelectorRequirement {
  std::string key;
  std::string operator_;  // JSON "operator": In, NotIn, Exists, DoesNotExist
  std::vector<std::string> values;
  Json unknown_fields;
};

struct LabelSelector {
  std::map<std::string, std::string> matchLabels;
  std::vector<LabelSelectorRequirement> matchExpressions;
  Json unknown_fields;
};

Status decodeFields(Reader& r, LabelSelectorRequirement& v);
void encodeFields(Writer& w, const LabelSelectorRequirement& v);
Status decodeFields(Reader& r, LabelSelector& v);
void encodeFields(Writer& w, const LabelSelector& v);

class Selector {
 public:
  enum class Op {
    kEquals,
    kDoubleEquals,
    kNotEquals,
    kIn,
    kNotIn,
    kExists,
    kDoesNotExist,
    kGt,
    kLt
  };
  struct Requirement {
    std::string key;
    Op op = Op::kExists;
    std::vector<std::string> values;  // sorted, unique
    bool matches(const Labels& labels) const;
    std::string toString() const;
  };

  // Matches everything (the empty selector).
  Selector() = default;
  static Selector everything() { return Selector(); }
  // Matches nothing (a nil LabelSelector, as upstream).
  static Selector nothing();
  // key1=value1,key2=value2 for every entry (labels.SelectorFromSet). EINVAL on invalid
  // keys or values.
  static Result<Selector> fromSet(const Labels& set);
  static Result<Selector> parse(std::string_view text);
  // One requirement, validated (labels.NewRequirement).
  static Result<Requirement> makeRequirement(std::string key, Op op,
                                             std::vector<std::string> values);

  bool matches(const Labels& labels) const;
  bool empty() const { return !nothing_ && reqs_.empty(); }
  bool matchesNothing() const { return nothing_; }
  // Canonical string: requirements sorted by key, values sorted ("a=b,c in (x,y)").
  std::string toString() const;
  const std::vector<Requirement>& requirements() const { return reqs_; }
  // Adds a requirement, keeping the order by key.
  void add(Requirement r);

 private:
  std::vector<Requirement> reqs_;
  bool nothing_ = false;
};

// metav1.LabelSelectorAsSelector: an empty LabelSelector matches everything; nullopt (nil)
// matches nothing. EINVAL for an unknown operator or invalid key/values, naming them.
Result<Selector> toSelector(const LabelSelector& s);
Result<Selector> toSelector(const std::optional<LabelSelector>& s);

// Validation helpers (shared with the field and object codecs).
Status validateLabelKey(std::string_view key);
Status validateLabelValue(std::string_view value);

}  // namespace orch::api
