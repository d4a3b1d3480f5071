#pragma once
// The decoding of a request target's path and query string, shared by orch's HTTP servers
// (common/httpd's and orch-apiserver's).

#include <map>
#include <string>
#include <string_view>

namespace orch::httpd {

// Percent-decodes `s`; '+' becomes a space only when `plus_is_space` (the query decoder's
// rule). Malformed escapes are kept as they are.
std::string percentDecode(std::string_view s, bool plus_is_space = false);
// Splits "a=b&c&d=e" into decoded key/value pairs ("c" has an empty value); empty parts are
// skipped.
std::multimap<std::string, std::string> parseQuery(std::string_view query);

}  // namespace orch::httpd
