#include "common/client/server_endpoint.h"

#include <openssl/x509v3.h>

#include <boost/asio/ip/address.hpp>
#include <boost/asio/ssl.hpp>

#include "common/base/base64.h"

namespace orch::client {

namespace net = boost::asio;
namespace ssl = net::ssl;

namespace {

bool isIpLiteral(const std::string& host) {
  boost::system::error_code ec;
  net::ip::make_address(host, ec);
  return !ec;
}

}  // namespace

void ServerEndpoint::prepareTls(SSL* s) const {
  const bool ip = isIpLiteral(verify_name);
  if (!ip) SSL_set_tlsext_host_name(s, verify_name.c_str());
  X509_VERIFY_PARAM* param = SSL_get0_param(s);
  if (ip) {
    X509_VERIFY_PARAM_set1_ip_asc(param, verify_name.c_str());
  } else {
    X509_VERIFY_PARAM_set1_host(param, verify_name.c_str(), verify_name.size());
  }
}

Result<std::unique_ptr<ServerEndpoint>> serverEndpoint(const RestConfig& config) {
  auto out = std::make_unique<ServerEndpoint>();
  ServerEndpoint& ep = *out;
  std::string_view s = config.server;
  if (s.rfind("https://", 0) == 0) {
    ep.tls = true;
    s.remove_prefix(8);
  } else if (s.rfind("http://", 0) == 0) {
    s.remove_prefix(7);
  } else {
    return Status::invalid("server \"" + config.server + "\": expected http:// or https://");
  }
  size_t slash = s.find('/');
  std::string_view authority = s.substr(0, slash);
  if (slash != std::string_view::npos) {
    ep.prefix = std::string(s.substr(slash));
    while (!ep.prefix.empty() && ep.prefix.back() == '/') ep.prefix.pop_back();
  }
  if (authority.empty()) return Status::invalid("server \"" + config.server + "\": no host");
  ep.host_header = std::string(authority);
  if (authority.front() == '[') {
    size_t close = authority.find(']');
    if (close == std::string_view::npos) {
      return Status::invalid("server \"" + config.server + "\": unterminated IPv6 literal");
    }
    ep.host = std::string(authority.substr(1, close - 1));
    if (close + 1 < authority.size() && authority[close + 1] == ':') {
      ep.port = std::string(authority.substr(close + 2));
    }
  } else {
    size_t colon = authority.rfind(':');
    ep.host = std::string(authority.substr(0, colon));
    if (colon != std::string_view::npos) ep.port = std::string(authority.substr(colon + 1));
  }
  if (ep.port.empty()) ep.port = ep.tls ? "443" : "80";
  if (ep.port.find_first_not_of("0123456789") != std::string::npos) {
    return Status::invalid("server \"" + config.server + "\": bad port \"" + ep.port + "\"");
  }
  if (!config.token.empty()) {
    ep.auth = "Bearer " + config.token;
  } else if (!config.username.empty()) {
    ep.auth = "Basic " + base64Encode(config.username + ":" + config.password);
  }
  if (ep.tls) {
    try {
      ep.ssl_ctx = std::make_unique<ssl::context>(ssl::context::tls_client);
      auto& ctx = *ep.ssl_ctx;
      if (config.insecureSkipTlsVerify) {
        ctx.set_verify_mode(ssl::verify_none);
      } else {
        ctx.set_verify_mode(ssl::verify_peer);
        if (config.caData.empty()) {
          ctx.set_default_verify_paths();
        } else {
          ctx.add_certificate_authority(net::buffer(config.caData));
        }
      }
      if (!config.clientCertData.empty()) {
        ctx.use_certificate_chain(net::buffer(config.clientCertData));
        ctx.use_private_key(net::buffer(config.clientKeyData), ssl::context::pem);
      }
    } catch (const boost::system::system_error& e) {
      return Status::invalid("TLS credentials for " + config.server + ": " + e.what());
    }
    ep.verify_name = config.tlsServerName.empty() ? ep.host : config.tlsServerName;
  }
  return out;
}

}  // namespace orch::client
