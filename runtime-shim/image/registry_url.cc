#include "runtime-shim/image/registry_url.h"

#include <algorithm>
#include <cctype>

namespace orch::shim {

namespace {

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

bool isTokenChar(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) ||
         std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
}

}  // namespace

Result<SplitUrl> splitUrl(const std::string& url) {
  size_t scheme_end = url.find("://");
  if (scheme_end == std::string::npos) return Status::invalid("URL \"" + url + "\": no scheme");
  std::string scheme = lower(url.substr(0, scheme_end));
  if (scheme != "http" && scheme != "https") {
    return Status::invalid("URL \"" + url + "\": expected http:// or https://");
  }
  size_t host_start = scheme_end + 3;
  size_t path_start = url.find_first_of("/?#", host_start);
  std::string host = url.substr(
      host_start, path_start == std::string::npos ? std::string::npos : path_start - host_start);
  if (host.empty()) return Status::invalid("URL \"" + url + "\": no host");
  SplitUrl out{.origin = scheme + "://" + host, .target = "/"};
  if (path_start != std::string::npos) {
    out.target = url.substr(path_start);
    if (size_t hash = out.target.find('#'); hash != std::string::npos) out.target.resize(hash);
    if (out.target.empty() || out.target[0] != '/') out.target = "/" + out.target;
  }
  return out;
}

Result<SplitUrl> resolveLocation(const SplitUrl& base, const std::string& location) {
  if (location.empty()) return Status::invalid("redirect without a Location");
  if (location.find("://") != std::string::npos) return splitUrl(location);
  if (location.rfind("//", 0) == 0) {
    return splitUrl(base.origin.substr(0, base.origin.find("://")) + ":" + location);
  }
  if (location[0] == '/') return SplitUrl{.origin = base.origin, .target = location};
  std::string dir = base.target.substr(0, base.target.find('?'));
  dir = dir.substr(0, dir.rfind('/') + 1);
  return SplitUrl{.origin = base.origin, .target = dir + location};
}

Result<AuthChallenge> parseAuthChallenge(const std::string& header) {
  AuthChallenge c;
  size_t i = 0;
  const size_t n = header.size();
  auto skipSpace = [&] {
    while (i < n && (header[i] == ' ' || header[i] == '\t')) ++i;
  };
  skipSpace();
  size_t start = i;
  while (i < n && isTokenChar(header[i])) ++i;
  c.scheme = lower(header.substr(start, i - start));
  if (c.scheme.empty()) return Status::invalid("WWW-Authenticate \"" + header + "\": no scheme");
  for (;;) {
    skipSpace();
    while (i < n && header[i] == ',') {
      ++i;
      skipSpace();
    }
    if (i >= n) break;
    start = i;
    while (i < n && isTokenChar(header[i])) ++i;
    std::string name = lower(header.substr(start, i - start));
    skipSpace();
    if (name.empty() || i >= n || header[i] != '=') break;  // the next challenge, or junk
    ++i;
    skipSpace();
    std::string value;
    if (i < n && header[i] == '"') {
      ++i;
      while (i < n && header[i] != '"') {
        if (header[i] == '\\' && i + 1 < n) ++i;
        value.push_back(header[i++]);
      }
      if (i < n) ++i;  // closing quote
    } else {
      start = i;
      while (i < n && header[i] != ',' && header[i] != ' ' && header[i] != '\t') ++i;
      value = header.substr(start, i - start);
    }
    c.params[name] = value;
  }
  return c;
}

}  // namespace orch::shim
