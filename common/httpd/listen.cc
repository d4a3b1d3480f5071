#include "common/httpd/listen.h"

namespace orch::httpd {

namespace net = boost::asio;
using tcp = net::ip::tcp;
using boost::system::error_code;

Status listenOn(tcp::acceptor& a, const std::string& bind_address, int port,
                const char* port_name) {
  error_code ec;
  auto addr = net::ip::make_address(bind_address, ec);
  if (ec) return Status::invalid("bind address " + bind_address + ": not an IP address");
  if (port < 0 || port > 65535) {
    return Status::invalid(std::string(port_name) + " " + std::to_string(port) + ": out of range");
  }
  tcp::endpoint ep(addr, static_cast<unsigned short>(port));
  a.open(ep.protocol(), ec);
  if (!ec) a.set_option(tcp::acceptor::reuse_address(true), ec);
  if (!ec) a.bind(ep, ec);
  if (!ec) a.listen(net::socket_base::max_listen_connections, ec);
  if (ec) {
    error_code ignored;
    a.close(ignored);
    return Status::error(ec.value(), "listen on " + bind_address + ":" + std::to_string(port));
  }
  return Status::ok();
}

}  // namespace orch::httpd
