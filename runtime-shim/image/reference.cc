#include "runtime-shim/image/reference.h"

#include <algorithm>
#include <cctype>
#include <regex>

#include "runtime-shim/image/digest.h"
#include "runtime-shim/image/image_store.h"

namespace orch::shim {

namespace {

// The grammar of github.com/distribution/reference (regexp.go).
const std::regex& domainRe() {
  static const std::regex re(
      R"(^(?:(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])(?:\.(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9]))*|\[[a-fA-F0-9:]+\])(?::[0-9]+)?$)");
  return re;
}
const std::regex& pathComponentRe() {
  static const std::regex re(R"(^[a-z0-9]+(?:(?:[._]|__|[-]*)[a-z0-9]+)*$)");
  return re;
}
const std::regex& tagRe() {
  static const std::regex re(R"(^[\w][\w.-]{0,127}$)");
  return re;
}

constexpr size_t kNameMaxLength = 255;

Status bad(const std::string& ref, const std::string& why) {
  return Status::invalid("invalid reference \"" + ref + "\": " + why);
}

}  // namespace

std::string Reference::string() const {
  if (!digest.empty()) return name() + "@" + digest;
  return name() + ":" + tag;
}

Result<Reference> parseReference(const std::string& ref) {
  if (ref.empty()) return bad(ref, "empty");
  if (isSha256Hex(ref)) return bad(ref, "cannot specify 64-byte hexadecimal strings");
  Reference out;
  std::string rest = ref;
  if (size_t at = rest.find('@'); at != std::string::npos) {
    out.digest = rest.substr(at + 1);
    rest.resize(at);
    if (!isSha256Digest(out.digest)) {
      return bad(ref, "digest must be sha256: and 64 lowercase hex digits");
    }
  }
  // A tag follows the last ':' that comes after the last '/' (a ':' before it is a port).
  size_t slash = rest.rfind('/');
  size_t colon = rest.rfind(':');
  if (colon != std::string::npos && (slash == std::string::npos || colon > slash)) {
    std::string tag = rest.substr(colon + 1);
    rest.resize(colon);
    if (!std::regex_match(tag, tagRe())) return bad(ref, "invalid tag \"" + tag + "\"");
    // With a digest the tag is dropped, as ParseDockerRef does.
    if (out.digest.empty()) out.tag = tag;
  }
  if (rest.empty()) return bad(ref, "empty name");

  size_t first = rest.find('/');
  std::string head = first == std::string::npos ? "" : rest.substr(0, first);
  bool has_domain = first != std::string::npos &&
                    (head.find_first_of(".:") != std::string::npos || head == "localhost" ||
                     std::any_of(head.begin(), head.end(), [](char c) { return std::isupper(c); }));
  if (has_domain) {
    out.domain = head;
    out.path = rest.substr(first + 1);
    if (!std::regex_match(out.domain, domainRe())) {
      return bad(ref, "invalid registry host \"" + out.domain + "\"");
    }
  } else {
    out.domain = "docker.io";
    out.path = rest;
  }
  if (out.domain == "index.docker.io") out.domain = "docker.io";
  if (out.path.empty()) return bad(ref, "empty repository path");
  size_t start = 0;
  for (;;) {
    size_t end = out.path.find('/', start);
    std::string comp = out.path.substr(start, end == std::string::npos ? end : end - start);
    if (!std::regex_match(comp, pathComponentRe())) {
      bool upper = std::any_of(comp.begin(), comp.end(), [](char c) { return std::isupper(c); });
      return bad(ref, upper ? "repository name must be lowercase"
                            : "invalid path component \"" + comp + "\"");
    }
    if (end == std::string::npos) break;
    start = end + 1;
  }
  if (out.domain == "docker.io" && out.path.find('/') == std::string::npos) {
    out.path = "library/" + out.path;
  }
  if (out.name().size() > kNameMaxLength) {
    return bad(ref, "repository name must not be more than 255 characters");
  }
  if (out.tag.empty() && out.digest.empty()) out.tag = "latest";
  return out;
}

Result<std::string> normalizeReference(const std::string& ref) {
  ORCH_ASSIGN_OR_RETURN(Reference r, parseReference(ref));
  return r.string();
}

}  // namespace orch::shim
