#include "proxy/iptables/chain_names.h"

#include <openssl/evp.h>

#include <cstdlib>

namespace orch::proxy::iptables {

namespace {

std::string portProtoKey(const ServicePortName& name) {
  return name.str() + protocolLowerName(name.protocol);
}

}  // namespace

std::string chainHash(const std::string& input) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  if (EVP_Digest(input.data(), input.size(), md, &len, EVP_sha256(), nullptr) != 1) std::abort();
  // RFC 4648 base32 (standard alphabet); 16 characters use the first 10 bytes.
  static constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
  std::string out;
  uint64_t buffer = 0;
  int bits = 0;
  for (unsigned int i = 0; i < len && out.size() < 16; ++i) {
    buffer = (buffer << 8) | md[i];
    bits += 8;
    while (bits >= 5 && out.size() < 16) {
      out += kAlphabet[(buffer >> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  return out;
}

std::string serviceClusterChain(const ServicePortName& name) {
  return "ORCH-SVC-" + chainHash(portProtoKey(name));
}

std::string serviceLocalChain(const ServicePortName& name) {
  return "ORCH-SVL-" + chainHash(portProtoKey(name));
}

std::string serviceExternalChain(const ServicePortName& name) {
  return "ORCH-EXT-" + chainHash(portProtoKey(name));
}

std::string serviceFirewallChain(const ServicePortName& name) {
  return "ORCH-FW-" + chainHash(portProtoKey(name));
}

std::string endpointChain(const ServicePortName& name, const std::string& endpoint) {
  return "ORCH-SEP-" + chainHash(portProtoKey(name) + endpoint);
}

std::string joinHostPort(const std::string& ip, uint16_t port) {
  if (ip.find(':') != std::string::npos) return "[" + ip + "]:" + std::to_string(port);
  return ip + ":" + std::to_string(port);
}

}  // namespace orch::proxy::iptables
