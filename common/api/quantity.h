#pragma once
// resource.Quantity: a fixed-point number with a unit suffix, as in
// k8s.io/apimachinery/pkg/api/resource.
//
// Syntax: [+-] digits [. digits] suffix, where suffix is a decimal SI prefix
// (n u m "" k M G T P E), a binary SI prefix (Ki Mi Gi Ti Pi Ei) or a decimal exponent
// (e3, E-3, e+6). "1E" is 10^18; "1E3" is 1000. No whitespace is allowed.
//
// Values are kept exactly, in nanounits (128-bit); finer input is rounded up (away from zero)
// to 1n, as upstream does. Deviation from upstream: magnitudes of 10^27 or more are rejected
// at parse time (upstream keeps arbitrary precision); arithmetic saturates there. As upstream,
// a binary-SI value above 2^63-1 is capped at 2^63-1.
//
// toString() is the canonical form upstream writes: binary SI stays binary when the value is
// a whole number of bytes of at least 1024 ("1.5Gi" -> "1536Mi"), otherwise decimal SI
// ("1000m" -> "1", "0.1" -> "100m", "0.5Ki" -> "512"); decimal exponent stays exponent
// ("1e3" -> "1e3", "1.5e3" -> "1500"). Format is taken from the parsed suffix.
// Values are plain data; safe to copy between threads.

#include <compare>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>

#include "common/api/json_io.h"
#include "common/base/status.h"

namespace orch::api {

class Quantity {
 public:
  enum class Format { kDecimalSI, kBinarySI, kDecimalExponent };

  Quantity() = default;  // zero, decimal SI
  // EINVAL "invalid quantity \"<text>\": <why>".
  static Result<Quantity> parse(std::string_view text);
  // For constants in code and tests: aborts on invalid input (a programming error).
  static Quantity mustParse(std::string_view text);
  static Quantity fromValue(int64_t value, Format format = Format::kDecimalSI);
  static Quantity fromMilli(int64_t milli, Format format = Format::kDecimalSI);

  std::string toString() const;
  Format format() const { return format_; }
  // Whole units, rounded away from zero (saturates at the int64 range).
  int64_t value() const;
  // Thousandths, rounded away from zero (saturates at the int64 range).
  int64_t milliValue() const;
  bool isZero() const { return nanos_ == 0; }
  int sign() const { return nanos_ < 0 ? -1 : (nanos_ > 0 ? 1 : 0); }

  // Compares values (the format does not take part).
  int compare(const Quantity& o) const { return nanos_ < o.nanos_ ? -1 : (nanos_ > o.nanos_); }
  friend bool operator==(const Quantity& a, const Quantity& b) { return a.nanos_ == b.nanos_; }
  friend std::strong_ordering operator<=>(const Quantity& a, const Quantity& b) {
    return a.nanos_ <=> b.nanos_;
  }

  // Arithmetic keeps this quantity's format, or takes the other's when this one is zero
  // (so 0 + 1Gi prints "1Gi"), as upstream.
  Quantity& operator+=(const Quantity& o);
  Quantity& operator-=(const Quantity& o);
  friend Quantity operator+(Quantity a, const Quantity& b) { return a += b; }
  friend Quantity operator-(Quantity a, const Quantity& b) { return a -= b; }
  Quantity operator-() const;

 private:
  __int128 nanos_ = 0;
  Format format_ = Format::kDecimalSI;
};

// JSON: a string; numbers are accepted on input.
Status decodeJson(const Json& j, const FieldPath& p, Quantity& out);
Json encodeJson(const Quantity& v);

// A resource list (requests, limits, capacity, ...): resource name -> quantity.
using ResourceList = std::map<std::string, Quantity>;

}  // namespace orch::api
