#include "controlplane/apiserver/validation/name_rules.h"

#include <arpa/inet.h>

#include <cctype>

namespace orch::apiserver::names {

namespace {

// Upstream's regexps, spelled as they appear in the messages.
const std::string kLabelFmt = "[a-z0-9]([-a-z0-9]*[a-z0-9])?";
const std::string kSubdomainFmt = kLabelFmt + "(\\." + kLabelFmt + ")*";
const std::string kDns1035Fmt = "[a-z]([-a-z0-9]*[a-z0-9])?";
const std::string kQualifiedFmt = "([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]";
const std::string kLabelValueFmt = "(" + kQualifiedFmt + ")?";
const std::string kConfigMapKeyFmt = "[-._a-zA-Z0-9]+";

bool lower(char c) {
  return c >= 'a' && c <= 'z';
}
bool digit(char c) {
  return c >= '0' && c <= '9';
}
bool alnum(char c) {
  return lower(c) || digit(c) || (c >= 'A' && c <= 'Z');
}

// The patterns above, matched by hand: std::regex recurses per character and a long enough
// value (an annotation key is bounded only by the request size) would exhaust the stack.
bool isLabel(std::string_view v) {  // [a-z0-9]([-a-z0-9]*[a-z0-9])?
  if (v.empty() || !(lower(v.front()) || digit(v.front())) || !(lower(v.back()) || digit(v.back())))
    return false;
  for (char c : v) {
    if (!(lower(c) || digit(c) || c == '-')) return false;
  }
  return true;
}

bool fullMatch(std::string_view v, const std::string& fmt) {
  if (&fmt == &kLabelFmt) return isLabel(v);
  if (&fmt == &kSubdomainFmt) {
    size_t start = 0;
    while (true) {
      size_t dot = v.find('.', start);
      if (!isLabel(v.substr(start, dot == std::string_view::npos ? dot : dot - start)))
        return false;
      if (dot == std::string_view::npos) return true;
      start = dot + 1;
    }
  }
  if (&fmt == &kDns1035Fmt) return isLabel(v) && lower(v.front());
  if (&fmt == &kQualifiedFmt || &fmt == &kLabelValueFmt) {
    if (v.empty()) return &fmt == &kLabelValueFmt;
    if (!alnum(v.front()) || !alnum(v.back())) return false;
    for (char c : v) {
      if (!(alnum(c) || c == '-' || c == '_' || c == '.')) return false;
    }
    return true;
  }
  // kConfigMapKeyFmt: [-._a-zA-Z0-9]+
  if (v.empty()) return false;
  for (char c : v) {
    if (!(alnum(c) || c == '-' || c == '_' || c == '.')) return false;
  }
  return true;
}

// validation.RegexError.
std::string regexError(const std::string& msg, const std::string& fmt,
                       const std::vector<std::string>& examples) {
  if (examples.empty()) return msg + " (regex used for validation is '" + fmt + "')";
  std::string s = msg + " (e.g. ";
  for (size_t i = 0; i < examples.size(); ++i) {
    if (i > 0) s += " or ";
    s += "'" + examples[i] + "', ";
  }
  return s + "regex used for validation is '" + fmt + "')";
}

std::string maxLen(size_t n) {
  return "must be no more than " + std::to_string(n) + " characters";
}

Msgs prefixed(std::string_view prefix, Msgs m) {
  for (auto& s : m) s = std::string(prefix) + s;
  return m;
}

}  // namespace

Msgs dns1123Label(std::string_view v) {
  Msgs out;
  if (v.size() > 63) out.push_back(maxLen(63));
  if (!fullMatch(v, kLabelFmt)) {
    out.push_back(
        regexError("a lowercase RFC 1123 label must consist of lower case alphanumeric "
                   "characters or '-', and must start and end with an alphanumeric "
                   "character",
                   kLabelFmt, {"my-name", "123-abc"}));
  }
  return out;
}

Msgs dns1123Subdomain(std::string_view v) {
  Msgs out;
  if (v.size() > 253) out.push_back(maxLen(253));
  if (!fullMatch(v, kSubdomainFmt)) {
    out.push_back(
        regexError("a lowercase RFC 1123 subdomain must consist of lower case "
                   "alphanumeric characters, '-' or '.', and must start and end with "
                   "an alphanumeric character",
                   kSubdomainFmt, {"example.com"}));
  }
  return out;
}

Msgs dns1035Label(std::string_view v) {
  Msgs out;
  if (v.size() > 63) out.push_back(maxLen(63));
  if (!fullMatch(v, kDns1035Fmt)) {
    out.push_back(
        regexError("a DNS-1035 label must consist of lower case alphanumeric characters "
                   "or '-', start with an alphabetic character, and end with an "
                   "alphanumeric character",
                   kDns1035Fmt, {"my-name", "abc-123"}));
  }
  return out;
}

Msgs qualifiedName(std::string_view v) {
  Msgs out;
  std::string_view name = v;
  size_t slash = v.find('/');
  if (slash != std::string_view::npos) {
    if (v.find('/', slash + 1) != std::string_view::npos) {
      out.push_back("a qualified name " +
                    regexError("must consist of alphanumeric characters, '-', '_' or '.', and "
                               "must start and end with an alphanumeric character",
                               kQualifiedFmt, {"MyName", "my.name", "123-abc"}) +
                    " with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')");
      return out;
    }
    std::string_view prefix = v.substr(0, slash);
    name = v.substr(slash + 1);
    if (prefix.empty()) {
      out.push_back("prefix part must be non-empty");
    } else {
      for (auto& m : prefixed("prefix part ", dns1123Subdomain(prefix))) out.push_back(m);
    }
  }
  if (name.empty()) {
    out.push_back("name part must be non-empty");
  } else if (name.size() > 63) {
    out.push_back("name part " + maxLen(63));
  }
  if (!fullMatch(name, kQualifiedFmt)) {
    out.push_back("name part " +
                  regexError("must consist of alphanumeric characters, '-', '_' or '.', and must "
                             "start and end with an alphanumeric character",
                             kQualifiedFmt, {"MyName", "my.name", "123-abc"}));
  }
  return out;
}

Msgs labelValue(std::string_view v) {
  Msgs out;
  if (v.size() > 63) out.push_back(maxLen(63));
  if (!fullMatch(v, kLabelValueFmt)) {
    out.push_back(
        regexError("a valid label must be an empty string or consist of alphanumeric "
                   "characters, '-', '_' or '.', and must start and end with an "
                   "alphanumeric character",
                   kLabelValueFmt, {"MyValue", "my_value", "12345"}));
  }
  return out;
}

Msgs configMapKey(std::string_view v) {
  Msgs out;
  if (v.size() > 253) out.push_back(maxLen(253));
  if (!fullMatch(v, kConfigMapKeyFmt)) {
    out.push_back(
        regexError("a valid config key must consist of alphanumeric characters, '-', '_' or '.'",
                   kConfigMapKeyFmt, {"key.name", "KEY_NAME", "key-name"}));
  }
  if (v == ".") {
    out.push_back("must not be '.'");
  } else if (v == "..") {
    out.push_back("must not be '..'");
  } else if (v.starts_with("..")) {
    out.push_back("must not start with '..'");
  }
  return out;
}

Msgs portNum(int64_t port) {
  if (port >= 1 && port <= 65535) return {};
  return {"must be between 1 and 65535, inclusive"};
}

Msgs portName(std::string_view v) {
  Msgs out;
  if (v.size() > 15) out.push_back(maxLen(15));
  bool charset = !v.empty();
  bool letter = false;
  for (char c : v) {
    if (c >= 'a' && c <= 'z') letter = true;
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-')) charset = false;
  }
  if (!charset) {
    out.push_back("must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)");
  }
  if (!letter) out.push_back("must contain at least one letter (a-z)");
  if (v.find("--") != std::string_view::npos) {
    out.push_back("must not contain consecutive hyphens (-)");
  }
  if (!v.empty() && (v.front() == '-' || v.back() == '-')) {
    out.push_back("must not begin or end with a hyphen (-)");
  }
  return out;
}

Msgs envVarName(std::string_view v) {
  for (unsigned char c : v) {
    if (c < 32 || c > 126 || c == '=') {
      return {
          "a valid environment variable name must consist only of printable ASCII characters "
          "other than '='"};
    }
  }
  return {};
}

Msgs fullyQualifiedDomainName(std::string_view v) {
  std::string s(v);
  if (!s.empty() && s.back() == '.') s.pop_back();
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  Msgs out = dns1123Subdomain(s);
  if (!out.empty()) return out;
  if (s.find('.') == std::string::npos) {
    out.push_back("should be a domain with at least two segments separated by dots");
  }
  return out;
}

Msgs pathSegmentName(std::string_view v, bool prefix) {
  Msgs out;
  if (!prefix && (v == "." || v == "..")) out.push_back("may not be '" + std::string(v) + "'");
  for (std::string_view bad : {"/", "%"}) {
    if (v.find(bad) != std::string_view::npos) {
      out.push_back("may not contain '" + std::string(bad) + "'");
    }
  }
  return out;
}

Msgs objectName(NameRule rule, std::string_view v, bool prefix) {
  std::string name(v);
  // apimachinery's maskTrailingDash: a generateName may end with '-'.
  if (prefix && name.size() > 1 && name.back() == '-') name.back() = 'a';
  switch (rule) {
    case NameRule::kSubdomain:
      return dns1123Subdomain(name);
    case NameRule::kLabel:
      return dns1123Label(name);
    case NameRule::kDns1035:
      return dns1035Label(name);
    case NameRule::kPathSegment:
      return pathSegmentName(v, prefix);
  }
  return {};
}

bool isIPv4(std::string_view v) {
  in_addr a{};
  return inet_pton(AF_INET, std::string(v).c_str(), &a) == 1;
}

bool isIPv6(std::string_view v) {
  in6_addr a{};
  return v.find(':') != std::string_view::npos &&
         inet_pton(AF_INET6, std::string(v).c_str(), &a) == 1;
}

bool isCIDR(std::string_view v, int* family) {
  size_t slash = v.find('/');
  if (slash == std::string_view::npos) return false;
  std::string_view ip = v.substr(0, slash), bits = v.substr(slash + 1);
  if (bits.empty() || bits.size() > 3) return false;
  int n = 0;
  for (char c : bits) {
    if (c < '0' || c > '9') return false;
    n = n * 10 + (c - '0');
  }
  if (isIPv4(ip) && n <= 32) {
    if (family) *family = 4;
    return true;
  }
  if (isIPv6(ip) && n <= 128) {
    if (family) *family = 6;
    return true;
  }
  return false;
}

}  // namespace orch::apiserver::names
