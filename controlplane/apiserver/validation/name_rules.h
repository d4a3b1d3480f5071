#pragma once
// The name and value syntax checks of k8s.io/apimachinery/pkg/util/validation and
// pkg/api/validation/path, with upstream's messages. Each returns the list of messages for
// one value (empty = valid), as upstream's Is* functions do; callers wrap them in FieldErrors.
// Pure functions; safe from any thread.

#include <string>
#include <string_view>
#include <vector>

namespace orch::apiserver::names {

using Msgs = std::vector<std::string>;

Msgs dns1123Label(std::string_view v);      // "my-name", max 63
Msgs dns1123Subdomain(std::string_view v);  // "example.com", max 253
Msgs dns1035Label(std::string_view v);      // starts with a letter, max 63
Msgs qualifiedName(std::string_view v);     // [prefix/]name (label keys, annotation keys)
Msgs labelValue(std::string_view v);        // "" or a name, max 63
Msgs configMapKey(std::string_view v);      // [-._a-zA-Z0-9]+, max 253, not "." / ".."
Msgs portNum(int64_t port);                 // 1..65535
Msgs portName(std::string_view v);          // IANA_SVC_NAME, max 15
Msgs envVarName(std::string_view v);        // relaxed: printable ASCII except '='
Msgs fullyQualifiedDomainName(std::string_view v);
// Path segment names (RBAC kinds): not "." or "..", no '/' or '%'.
Msgs pathSegmentName(std::string_view v, bool prefix);

// The name rule of ObjectMeta for a kind: subdomain, label, 1035 label or path segment.
// prefix = true for generateName (a trailing '-' is allowed).
enum class NameRule { kSubdomain, kLabel, kDns1035, kPathSegment };
Msgs objectName(NameRule rule, std::string_view v, bool prefix);

bool isIPv4(std::string_view v);
bool isIPv6(std::string_view v);
inline bool isIP(std::string_view v) {
  return isIPv4(v) || isIPv6(v);
}
bool isCIDR(std::string_view v, int* family = nullptr);  // family: 4 or 6

inline constexpr const char* kIPMsg =
    "must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)";
inline constexpr const char* kCIDRMsg =
    "must be a valid CIDR value, (e.g. 10.9.8.0/24 or 2001:db8::/64)";
inline constexpr const char* kNonNegative = "must be greater than or equal to 0";

}  // namespace orch::apiserver::names
