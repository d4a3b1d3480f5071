#include "controlplane/apiserver/router.h"

#include <utility>

namespace orch::apiserver {

std::vector<std::string> splitPath(const std::string& path) {
  std::vector<std::string> parts;
  size_t pos = 0;
  while (pos < path.size()) {
    if (path[pos] == '/') {
      ++pos;
      continue;
    }
    size_t end = path.find('/', pos);
    if (end == std::string::npos) end = path.size();
    parts.push_back(path.substr(pos, end - pos));
    pos = end;
  }
  return parts;
}

Status Router::add(const std::string& method, const std::string& pattern, Handler handler) {
  if (pattern.empty() || pattern[0] != '/') {
    return Status::invalid("route pattern " + pattern + ": must start with '/'");
  }
  Route route{.method = method, .pattern = pattern, .segments = {}, .handler = std::move(handler)};
  std::vector<std::string> parts = splitPath(pattern);
  for (size_t i = 0; i < parts.size(); ++i) {
    const std::string& p = parts[i];
    if (p.size() >= 2 && p.front() == '{' && p.back() == '}') {
      std::string name = p.substr(1, p.size() - 2);
      bool rest = name.size() > 3 && name.ends_with("...");
      if (rest) name.resize(name.size() - 3);
      if (name.empty() || name == "...") {
        return Status::invalid("route pattern " + pattern + ": empty parameter name");
      }
      if (rest && i + 1 != parts.size()) {
        return Status::invalid("route pattern " + pattern + ": {" + name +
                               "...} must be the last segment");
      }
      route.segments.push_back({rest ? Segment::kRest : Segment::kParam, name});
    } else {
      route.segments.push_back({Segment::kLiteral, p});
    }
  }
  for (const Route& r : routes_) {
    if (r.method == method && splitPath(r.pattern) == parts) {
      return Status::exists("route " + method + " " + pattern + " is already registered");
    }
  }
  routes_.push_back(std::move(route));
  return Status::ok();
}

bool Router::matchRoute(const Route& r, const std::vector<std::string>& parts,
                        std::map<std::string, std::string>& params, std::vector<int>& rank) {
  params.clear();
  rank.clear();
  size_t i = 0;
  for (const Segment& s : r.segments) {
    if (s.kind == Segment::kRest) {
      std::string rest;
      for (size_t j = i; j < parts.size(); ++j) {
        if (j > i) rest += '/';
        rest += parts[j];
      }
      params[s.text] = rest;
      rank.push_back(0);
      return true;
    }
    if (i >= parts.size()) return false;
    if (s.kind == Segment::kLiteral) {
      if (parts[i] != s.text) return false;
      rank.push_back(2);
    } else {
      if (parts[i].empty()) return false;
      params[s.text] = parts[i];
      rank.push_back(1);
    }
    ++i;
  }
  return i == parts.size();
}

Router::Match Router::match(const std::string& method, const std::string& path) const {
  std::vector<std::string> parts = splitPath(path);
  Match best;
  std::vector<int> best_rank;
  std::map<std::string, std::string> params;
  std::vector<int> rank;
  bool path_matched = false;
  for (const Route& r : routes_) {
    if (!matchRoute(r, parts, params, rank)) continue;
    path_matched = true;
    if (r.method != "*" && r.method != method) continue;
    // An exact method beats "*" at equal specificity.
    rank.push_back(r.method == "*" ? 0 : 1);
    if (best.handler == nullptr || rank > best_rank) {
      best.handler = &r.handler;
      best.params = params;
      best_rank = rank;
    }
  }
  best.method_mismatch = best.handler == nullptr && path_matched;
  return best;
}

Reply Router::dispatch(Request req) const {
  Match m = match(req.method, req.path);
  if (m.handler == nullptr) {
    if (m.method_mismatch) {
      return errorResponse(405, "MethodNotAllowed",
                           "the server does not allow this method on the requested resource");
    }
    return errorResponse(404, "NotFound", "the server could not find the requested resource");
  }
  req.params = std::move(m.params);
  return (*m.handler)(req);
}

}  // namespace orch::apiserver
