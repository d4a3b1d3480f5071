#pragma once
// Opening a server's listening socket on an address literal and port (0 = ephemeral), the
// same way for every HTTP server of ours: SO_REUSEADDR, the system's backlog.

#include <boost/asio/ip/tcp.hpp>
#include <string>

#include "common/base/status.h"

namespace orch::httpd {

// Opens, binds and listens `acceptor`. EINVAL naming `port_name` ("port", "secure port") or
// the address when they are invalid; otherwise the socket error with "listen on ADDR:PORT".
// On failure the acceptor is left closed.
Status listenOn(boost::asio::ip::tcp::acceptor& acceptor, const std::string& bind_address, int port,
                const char* port_name = "port");

}  // namespace orch::httpd
