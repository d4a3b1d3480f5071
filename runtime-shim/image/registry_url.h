#pragma once
// The small amount of URL handling a registry client needs: splitting an absolute URL into
// origin and target, resolving a redirect's Location, and parsing WWW-Authenticate.

#include <map>
#include <string>

#include "common/base/status.h"

namespace orch::shim {

struct SplitUrl {
  std::string origin;  // "https://host:port" (as written; no default port added)
  std::string target;  // "/path?query", "/" when empty
};

// EINVAL unless `url` is http:// or https:// with a host.
Result<SplitUrl> splitUrl(const std::string& url);
// A Location header relative to `base` (absolute, "/path" or "path").
Result<SplitUrl> resolveLocation(const SplitUrl& base, const std::string& location);

struct AuthChallenge {
  std::string scheme;                         // lower-case: "bearer", "basic"
  std::map<std::string, std::string> params;  // lower-case names: realm, service, scope
};

// Parses the first challenge of a WWW-Authenticate value:
//   Bearer realm="https://auth/token",service="registry",scope="repository:a/b:pull"
// EINVAL when there is no scheme.
Result<AuthChallenge> parseAuthChallenge(const std::string& header);

}  // namespace orch::shim
