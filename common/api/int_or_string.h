#pragma once
// intstr.IntOrString: a JSON value that is either an integer or a string (a port number or
// name, a count or a percentage such as "25%").

#include <cstdint>
#include <string>
#include <string_view>

#include "common/api/json_io.h"
#include "common/base/status.h"

namespace orch::api {

class IntOrString {
 public:
  IntOrString() = default;                                // the integer 0
  IntOrString(int32_t v) : is_string_(false), int_(v) {}  // NOLINT(google-explicit-constructor)
  IntOrString(std::string s)                              // NOLINT(google-explicit-constructor)
      : is_string_(true), str_(std::move(s)) {}
  IntOrString(const char* s) : IntOrString(std::string(s)) {}  // NOLINT

  bool isString() const { return is_string_; }
  bool isInt() const { return !is_string_; }
  int32_t intValue() const { return int_; }
  const std::string& strValue() const { return str_; }
  // "8080" or "http".
  std::string toString() const { return is_string_ ? str_ : std::to_string(int_); }

  friend bool operator==(const IntOrString& a, const IntOrString& b) {
    return a.is_string_ == b.is_string_ && (a.is_string_ ? a.str_ == b.str_ : a.int_ == b.int_);
  }

 private:
  bool is_string_ = false;
  int32_t int_ = 0;
  std::string str_;
};

// Resolves a count or a percentage of `total`, as intstr.GetScaledValueFromIntOrPercent:
// an int is returned as is; "25%" is total*25/100 rounded up or down. EINVAL for a string
// that is not "<integer>%".
Result<int32_t> scaledValueFromIntOrPercent(const IntOrString& v, int32_t total, bool round_up);

// JSON: an integer or a string.
Status decodeJson(const Json& j, const FieldPath& p, IntOrString& out);
Json encodeJson(const IntOrString& v);

}  // namespace orch::api
