#include "proxy/ipvs/ipvs_ops.h"

namespace orch::proxy {

namespace {

std::string hostPort(const std::string& address, uint16_t port) {
  bool v6 = address.find(':') != std::string::npos;
  return (v6 ? "[" + address + "]" : address) + ":" + std::to_string(port);
}

}  // namespace

std::string VirtualServer::str() const {
  return std::string(protocolLowerName(protocol)) + " " + hostPort(address, port);
}

std::string RealServer::str() const {
  return hostPort(address, port);
}

}  // namespace orch::proxy
