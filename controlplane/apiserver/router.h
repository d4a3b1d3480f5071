#pragma once
// Method + path pattern → handler. Patterns are absolute paths of segments; a segment is a
// literal ("pods"), a parameter ("{name}", one non-empty segment) or, as the last segment
// only, a rest parameter ("{path...}", zero or more segments joined with '/').
//
// When several patterns match, the most specific wins: segment by segment from the left, a
// literal beats a parameter, which beats a rest parameter. A path that matches some pattern
// but not with the request's method yields 405 MethodNotAllowed; no match at all, 404 NotFound
// (both as metav1.Status bodies).
//
// Threads: add() during setup only; dispatch() is const and may run concurrently.

#include <string>
#include <vector>

#include "common/base/status.h"
#include "controlplane/apiserver/http.h"

namespace orch::apiserver {

class Router {
 public:
  // Registers `handler` for `method` ("GET", ..., or "*" for any) and `pattern`. EINVAL for a
  // malformed pattern (not starting with '/', an empty "{}", a rest parameter not last);
  // EEXIST when the same method and pattern are already registered.
  Status add(const std::string& method, const std::string& pattern, Handler handler);

  struct Match {
    const Handler* handler = nullptr;           // null when nothing matched
    std::map<std::string, std::string> params;  // {param} values
    bool method_mismatch = false;               // the path matched, the method did not
  };
  // Finds the handler for `method` and a decoded `path`.
  Match match(const std::string& method, const std::string& path) const;
  // Matches `req` and runs its handler with req.params filled in; 404/405 otherwise.
  Reply dispatch(Request req) const;

 private:
  struct Segment {
    enum Kind { kLiteral, kParam, kRest } kind;
    std::string text;  // literal text or parameter name
  };
  struct Route {
    std::string method;
    std::string pattern;
    std::vector<Segment> segments;
    Handler handler;
  };
  static bool matchRoute(const Route& r, const std::vector<std::string>& parts,
                         std::map<std::string, std::string>& params, std::vector<int>& rank);
  std::vector<Route> routes_;
};

// Splits "/a/b/c" into {"a","b","c"}; "/" into {}. A trailing slash is ignored.
std::vector<std::string> splitPath(const std::string& path);

}  // namespace orch::apiserver
