#pragma once
// The TLS side of an HTTPS server (orch-apiserver, orch-agent's :10250): serving chain and
// key, TLS 1.2 at least, and — when a client CA is given — a request for client certificates
// listing the CA's names, without failing the handshake on a bad one: the server's
// authenticator decides what an unverified client may do, as upstream.

#include <boost/asio/ssl/context.hpp>
#include <string>

#include "common/base/status.h"

namespace orch::pki {

Status configureServerTls(boost::asio::ssl::context& ssl, const std::string& cert_pem,
                          const std::string& key_pem, const std::string& client_ca_pem);

}  // namespace orch::pki
