#include "common/base/go_duration.h"

#include <cctype>
#include <charconv>
#include <cmath>
#include <string>

namespace orch {
namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

}  // namespace

Result<std::chrono::nanoseconds> parseGoDuration(std::string_view text) {
  const std::string orig(text);
  auto bad = [&](const std::string& why) {
    return Status::invalid("invalid duration \"" + orig + "\": " + why);
  };
  std::string_view s = trim(text);
  if (s.empty()) return bad("empty");
  if (s.front() == '-') return bad("must not be negative");
  if (s.front() == '+') s.remove_prefix(1);
  if (s == "0") return std::chrono::nanoseconds(0);
  double total_ns = 0;
  if (s.empty()) return bad("no number");
  while (!s.empty()) {
    size_t i = 0;
    while (i < s.size() && (std::isdigit(static_cast<unsigned char>(s[i])) || s[i] == '.')) ++i;
    std::string_view num = s.substr(0, i);
    if (num.empty() || num == "." || num.find('.') != num.rfind('.')) return bad("bad number");
    size_t j = i;
    while (j < s.size() && !std::isdigit(static_cast<unsigned char>(s[j])) && s[j] != '.') ++j;
    std::string_view unit = s.substr(i, j - i);
    double scale = 0;
    if (unit == "ns") {
      scale = 1;
    } else if (unit == "us" || unit == "\xC2\xB5s" || unit == "\xCE\xBCs") {
      scale = 1e3;
    } else if (unit == "ms") {
      scale = 1e6;
    } else if (unit == "s") {
      scale = 1e9;
    } else if (unit == "m") {
      scale = 60e9;
    } else if (unit == "h") {
      scale = 3600e9;
    } else {
      return bad(unit.empty() ? "missing unit (ns, us, ms, s, m, h)"
                              : "unknown unit \"" + std::string(unit) + "\"");
    }
    double value = 0;
    auto [end, ec] = std::from_chars(num.data(), num.data() + num.size(), value);
    if (ec != std::errc() || end != num.data() + num.size()) return bad("bad number");
    total_ns += value * scale;
    s.remove_prefix(j);
  }
  if (total_ns > 9.2e18) return bad("too large");
  return std::chrono::nanoseconds(static_cast<int64_t>(std::llround(total_ns)));
}

}  // namespace orch
