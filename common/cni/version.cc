#include "common/cni/version.h"

#include <algorithm>
#include <array>
#include <charconv>

namespace orch::cni {
namespace {

std::optional<std::array<int, 3>> parseParts(std::string_view v) {
  std::array<int, 3> parts{};
  for (int i = 0; i < 3; ++i) {
    auto dot = v.find('.');
    std::string_view part = i < 2 ? v.substr(0, dot) : v;
    if (i < 2 && dot == std::string_view::npos) return std::nullopt;
    if (part.empty()) return std::nullopt;
    auto [end, ec] = std::from_chars(part.data(), part.data() + part.size(), parts[i]);
    if (ec != std::errc() || end != part.data() + part.size() || parts[i] < 0) {
      return std::nullopt;
    }
    if (i < 2) v.remove_prefix(dot + 1);
  }
  return parts;
}

}  // namespace

const std::vector<std::string>& supportedVersions() {
  static const std::vector<std::string> kVersions = {"0.3.0", "0.3.1", "0.4.0", "1.0.0", "1.1.0"};
  return kVersions;
}

bool isSupportedVersion(std::string_view v) {
  const auto& all = supportedVersions();
  return std::find(all.begin(), all.end(), v) != all.end();
}

bool isValidVersion(std::string_view v) {
  return parseParts(v).has_value();
}

int compareVersions(std::string_view a, std::string_view b) {
  auto pa = parseParts(a), pb = parseParts(b);
  if (!pa || !pb) return static_cast<int>(pa.has_value()) - static_cast<int>(pb.has_value());
  if (*pa < *pb) return -1;
  return *pa == *pb ? 0 : 1;
}

std::optional<std::string> negotiateVersion(const std::vector<std::string>& offered,
                                            const std::vector<std::string>& supported) {
  std::optional<std::string> best;
  for (const auto& v : offered) {
    if (std::find(supported.begin(), supported.end(), v) == supported.end()) continue;
    if (!best || compareVersions(v, *best) > 0) best = v;
  }
  return best;
}

}  // namespace orch::cni
