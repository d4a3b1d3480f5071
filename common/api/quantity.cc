#include "common/api/quantity.h"

#include <cstdlib>

namespace orch::api {
namespace {

using i128 = __int128;

constexpr i128 kNano = 1000000000;
// 10^36 nanounits (10^27 units): the magnitude we accept; leaves room to scale the mantissa
// by 100 while canonicalizing without overflowing 128 bits.
constexpr i128 kMaxNanos = static_cast<i128>(1000000000000000000LL) * 1000000000000000000LL;
constexpr int64_t kMaxInt64 = INT64_MAX;

i128 pow10(int n) {
  i128 r = 1;
  for (int i = 0; i < n; ++i) r *= 10;
  return r;
}

std::string toDecimal(i128 v) {
  if (v == 0) return "0";
  bool neg = v < 0;
  // Magnitudes are bounded by kMaxNanos * 100, so negation cannot overflow.
  if (neg) v = -v;
  std::string s;
  while (v > 0) {
    s.insert(s.begin(), static_cast<char>('0' + static_cast<int>(v % 10)));
    v /= 10;
  }
  if (neg) s.insert(s.begin(), '-');
  return s;
}

i128 saturate(i128 v) {
  if (v > kMaxNanos) return kMaxNanos;
  if (v < -kMaxNanos) return -kMaxNanos;
  return v;
}

int64_t toInt64Saturated(i128 v) {
  if (v > kMaxInt64) return kMaxInt64;
  if (v < -static_cast<i128>(kMaxInt64) - 1) return INT64_MIN;
  return static_cast<int64_t>(v);
}

// v / d rounded away from zero.
i128 divAwayFromZero(i128 v, i128 d) {
  i128 q = v / d;
  if (v % d != 0) q += (v < 0 ? -1 : 1);
  return q;
}

struct Suffix {
  Quantity::Format format;
  int base;      // 10 or 2
  int exponent;  // power of 10, or power of 2
};

bool interpretSuffix(std::string_view s, Suffix& out) {
  using F = Quantity::Format;
  static constexpr struct {
    std::string_view name;
    Suffix suffix;
  } kTable[] = {
      {"", {F::kDecimalSI, 10, 0}},   {"n", {F::kDecimalSI, 10, -9}},
      {"u", {F::kDecimalSI, 10, -6}}, {"m", {F::kDecimalSI, 10, -3}},
      {"k", {F::kDecimalSI, 10, 3}},  {"M", {F::kDecimalSI, 10, 6}},
      {"G", {F::kDecimalSI, 10, 9}},  {"T", {F::kDecimalSI, 10, 12}},
      {"P", {F::kDecimalSI, 10, 15}}, {"E", {F::kDecimalSI, 10, 18}},
      {"Ki", {F::kBinarySI, 2, 10}},  {"Mi", {F::kBinarySI, 2, 20}},
      {"Gi", {F::kBinarySI, 2, 30}},  {"Ti", {F::kBinarySI, 2, 40}},
      {"Pi", {F::kBinarySI, 2, 50}},  {"Ei", {F::kBinarySI, 2, 60}},
  };
  for (const auto& e : kTable) {
    if (e.name == s) {
      out = e.suffix;
      return true;
    }
  }
  // Decimal exponent: [eE][+-]?digits.
  if (s.size() < 2 || (s[0] != 'e' && s[0] != 'E')) return false;
  size_t i = 1;
  bool neg = false;
  if (s[i] == '+' || s[i] == '-') neg = s[i++] == '-';
  if (i == s.size()) return false;
  int64_t e = 0;
  for (; i < s.size(); ++i) {
    if (s[i] < '0' || s[i] > '9') return false;
    e = e * 10 + (s[i] - '0');
    if (e > INT32_MAX) return false;
  }
  out = {F::kDecimalExponent, 10, static_cast<int>(neg ? -e : e)};
  return true;
}

}  // namespace

Result<Quantity> Quantity::parse(std::string_view text) {
  auto bad = [&](std::string_view why) -> Status {
    return Status::invalid("invalid quantity \"" + std::string(text) + "\": " + std::string(why));
  };
  if (text.empty()) return bad("empty");
  size_t i = 0;
  bool negative = false;
  if (text[i] == '+' || text[i] == '-') negative = text[i++] == '-';
  size_t num_start = i;
  while (i < text.size() && text[i] >= '0' && text[i] <= '9') ++i;
  std::string_view num = text.substr(num_start, i - num_start);
  std::string_view denom;
  bool dot = false;
  if (i < text.size() && text[i] == '.') {
    dot = true;
    size_t d = ++i;
    while (i < text.size() && text[i] >= '0' && text[i] <= '9') ++i;
    denom = text.substr(d, i - d);
  }
  if (num.empty() && !dot) {
    return bad("must start with a number (quantities look like 100m, 1.5Gi, 1e3)");
  }
  Suffix suf{};
  if (!interpretSuffix(text.substr(i), suf)) {
    return bad("unknown suffix \"" + std::string(text.substr(i)) +
               "\" (expected n u m k M G T P E, Ki Mi Gi Ti Pi Ei, or an exponent e<N>)");
  }

  // All the significant digits, without leading zeros; the value is
  // digits * 10^-len(denom) * base^exponent.
  std::string digits = std::string(num) + std::string(denom);
  size_t nz = digits.find_first_not_of('0');
  digits = nz == std::string::npos ? "" : digits.substr(nz);
  int frac = static_cast<int>(denom.size());

  Quantity q;
  q.format_ = suf.format;
  if (digits.empty()) return q;  // zero, whatever the suffix

  if (suf.base == 10) {
    // nanos = digits * 10^(exponent - frac + 9), rounded up to a whole nanounit.
    int64_t shift = static_cast<int64_t>(suf.exponent) - frac + 9;
    int64_t int_len = static_cast<int64_t>(digits.size()) + shift;  // digits before the point
    if (int_len > 37) return bad("out of range (magnitude must be below 10^27)");
    i128 v = 0;
    bool round_up = false;
    if (int_len <= 0) {
      round_up = true;  // all digits are below one nanounit and at least one is non-zero
    } else {
      for (int64_t k = 0; k < int_len; ++k) {
        int digit = k < static_cast<int64_t>(digits.size()) ? digits[k] - '0' : 0;
        v = v * 10 + digit;
      }
      for (size_t k = static_cast<size_t>(int_len); k < digits.size(); ++k) {
        if (digits[k] != '0') round_up = true;
      }
    }
    if (round_up) ++v;
    if (v > kMaxNanos) return bad("out of range (magnitude must be below 10^27)");
    q.nanos_ = negative ? -v : v;
    return q;
  }

  // Binary: nanos = digits * 2^exponent * 10^(9 - frac), rounded up; capped at 2^63-1 units.
  static const i128 kCapNanos = static_cast<i128>(kMaxInt64) * kNano;
  if (digits.size() > 36) return bad("too many digits");
  i128 d = 0;
  for (char c : digits) d = d * 10 + (c - '0');
  i128 v = 0;
  bool capped = false;
  if (__builtin_mul_overflow(d, static_cast<i128>(1) << suf.exponent, &v)) {
    capped = true;
  } else if (frac <= 9) {
    if (__builtin_mul_overflow(v, pow10(9 - frac), &v)) capped = true;
  } else {
    int drop = frac - 9;
    v = drop > 38 ? 1 : divAwayFromZero(v, pow10(drop));
  }
  if (capped || v > kCapNanos) v = kCapNanos;
  q.nanos_ = negative ? -v : v;
  return q;
}

Quantity Quantity::mustParse(std::string_view text) {
  auto q = parse(text);
  if (!q.ok()) std::abort();
  return *q;
}

Quantity Quantity::fromValue(int64_t value, Format format) {
  Quantity q;
  q.nanos_ = static_cast<i128>(value) * kNano;
  q.format_ = format;
  return q;
}

Quantity Quantity::fromMilli(int64_t milli, Format format) {
  Quantity q;
  q.nanos_ = static_cast<i128>(milli) * 1000000;
  q.format_ = format;
  return q;
}

int64_t Quantity::value() const {
  return toInt64Saturated(divAwayFromZero(nanos_, kNano));
}

int64_t Quantity::milliValue() const {
  return toInt64Saturated(divAwayFromZero(nanos_, 1000000));
}

Quantity& Quantity::operator+=(const Quantity& o) {
  if (nanos_ == 0) format_ = o.format_;
  nanos_ = saturate(nanos_ + o.nanos_);
  return *this;
}

Quantity& Quantity::operator-=(const Quantity& o) {
  if (nanos_ == 0) format_ = o.format_;
  nanos_ = saturate(nanos_ - o.nanos_);
  return *this;
}

Quantity Quantity::operator-() const {
  Quantity q = *this;
  q.nanos_ = -q.nanos_;
  return q;
}

std::string Quantity::toString() const {
  if (nanos_ == 0) return "0";
  Format format = format_;
  if (format == Format::kBinarySI) {
    // Small or fractional binary values print as decimal SI, as upstream ("512", "500m").
    i128 mag = nanos_ < 0 ? -nanos_ : nanos_;
    if (mag < 1024 * kNano || nanos_ % kNano != 0) {
      format = Format::kDecimalSI;
    } else {
      i128 v = nanos_ / kNano;
      int exp = 0;
      while (v % 1024 == 0) {
        v /= 1024;
        ++exp;
      }
      static constexpr std::string_view kBin[] = {"", "Ki", "Mi", "Gi", "Ti", "Pi", "Ei"};
      if (exp <= 6) return toDecimal(v) + std::string(kBin[exp]);
      format = Format::kDecimalExponent;  // past Ei there is no binary suffix
    }
  }
  // Decimal: mantissa * 10^exp with exp a multiple of 3.
  i128 m = nanos_;
  int exp = -9;
  while (m % 10 == 0) {
    m /= 10;
    ++exp;
  }
  while (exp % 3 != 0) {
    m *= 10;
    --exp;
  }
  if (format == Format::kDecimalSI && exp <= 18) {
    static constexpr std::string_view kDec[] = {"n", "u", "m", "", "k", "M", "G", "T", "P", "E"};
    return toDecimal(m) + std::string(kDec[(exp + 9) / 3]);
  }
  // Decimal exponent (also decimal SI past "E", as upstream).
  if (exp == 0) return toDecimal(m);
  return toDecimal(m) + "e" + std::to_string(exp);
}

Status decodeJson(const Json& j, const FieldPath& p, Quantity& out) {
  std::string text;
  if (j.is_string()) {
    text = j.get_ref<const std::string&>();
  } else if (j.is_number_integer()) {
    text = j.dump();
  } else if (j.is_number_float()) {
    text = j.dump();  // shortest round-trip form, e.g. "0.5" or "1e+20"
  } else {
    return typeError(p, "quantity string", j);
  }
  auto q = Quantity::parse(text);
  if (!q.ok()) return fieldError(p, q.status().context());
  out = *q;
  return Status::ok();
}

Json encodeJson(const Quantity& v) {
  return v.toString();
}

}  // namespace orch::api
