#include "cni-plugins/bridge/netfilter_names.h"

#include <openssl/sha.h>

#include <cstdio>
#include <cstdlib>

namespace orch::cni::bridge {

std::string sha512Hex(std::string_view s) {
  unsigned char md[SHA512_DIGEST_LENGTH];
  SHA512(reinterpret_cast<const unsigned char*>(s.data()), s.size(), md);
  static const char* kHex = "0123456789abcdef";
  std::string out;
  out.reserve(2 * SHA512_DIGEST_LENGTH);
  for (unsigned char b : md) {
    out.push_back(kHex[b >> 4]);
    out.push_back(kHex[b & 15]);
  }
  return out;
}

std::string formatHashWithPrefix(size_t length, std::string_view prefix, std::string_view to_hash) {
  // The reference panics here too: a caller passing these is a programming error.
  if (prefix.size() >= length || length > 2 * SHA512_DIGEST_LENGTH) std::abort();
  std::string out(prefix);
  out += sha512Hex(to_hash);
  out.resize(length);
  return out;
}

std::string formatChainName(std::string_view name, std::string_view id, std::string_view prefix) {
  std::string p = "CNI-";
  p += prefix;
  std::string h(name);
  h += id;
  return formatHashWithPrefix(28, p, h);
}

std::string formatComment(std::string_view name, std::string_view id) {
  return "name: " + goQuote(name) + " id: " + goQuote(id);
}

}  // namespace orch::cni::bridge
