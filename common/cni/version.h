#pragma once
// CNI spec versions: which ones orch speaks, comparison and negotiation. Pure functions.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace orch::cni {

inline constexpr std::string_view kSpecVersion = "1.1.0";

// Every version orch's plugins and library accept, oldest first:
// 0.3.0, 0.3.1, 0.4.0, 1.0.0, 1.1.0.
const std::vector<std::string>& supportedVersions();
bool isSupportedVersion(std::string_view v);

// <0, 0, >0 like strcmp; unparsable versions sort before every valid one.
int compareVersions(std::string_view a, std::string_view b);
inline bool versionAtLeast(std::string_view v, std::string_view min) {
  return compareVersions(v, min) >= 0;
}
bool isValidVersion(std::string_view v);

// The highest entry of `offered` (a conflist's "cniVersions") that is also in `supported`.
std::optional<std::string> negotiateVersion(const std::vector<std::string>& offered,
                                            const std::vector<std::string>& supported);

}  // namespace orch::cni
