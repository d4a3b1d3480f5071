#include "agent/prober/tcp_probe.h"

#include <algorithm>
#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <cctype>
#include <optional>
#include <vector>

namespace orch::agent {

namespace net = boost::asio;
using tcp = net::ip::tcp;
using boost::system::error_code;

namespace {

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

}  // namespace

ProbeOutcome runTcpProbe(const std::string& host, int port, std::chrono::milliseconds timeout) {
  std::string addr = host.find(':') != std::string::npos ? "[" + host + "]:" + std::to_string(port)
                                                         : host + ":" + std::to_string(port);
  if (port <= 0 || port > 65535) {
    return {ProbeResult::kFailure, "invalid port " + std::to_string(port)};
  }
  if (host.empty()) return {ProbeResult::kFailure, "no host to probe (pod IP unknown)"};
  net::io_context ioc(1);
  tcp::resolver resolver(ioc);
  tcp::socket socket(ioc);
  net::steady_timer timer(ioc);
  bool timed_out = false;
  std::optional<error_code> result;

  timer.expires_after(timeout);
  timer.async_wait([&](error_code ec) {
    if (ec) return;
    timed_out = true;
    resolver.cancel();
    error_code ignored;
    socket.close(ignored);
  });
  auto connect = [&](std::vector<tcp::endpoint> eps) {
    net::async_connect(socket, eps, [&](error_code ec, const tcp::endpoint&) {
      result = ec;
      timer.cancel();
    });
  };
  error_code ec;
  auto ip = net::ip::make_address(host, ec);
  if (!ec) {
    connect({tcp::endpoint(ip, static_cast<unsigned short>(port))});
  } else {
    resolver.async_resolve(host, std::to_string(port), [&](error_code rec, auto results) {
      if (rec || results.empty()) {
        result = rec ? rec : net::error::host_not_found;
        timer.cancel();
        return;
      }
      std::vector<tcp::endpoint> eps;
      for (const auto& r : results) eps.push_back(r.endpoint());
      connect(std::move(eps));
    });
  }
  ioc.run();
  if (timed_out) return {ProbeResult::kFailure, "dial tcp " + addr + ": i/o timeout"};
  if (result && !*result) {
    error_code ignored;
    socket.close(ignored);
    return {ProbeResult::kSuccess, ""};
  }
  std::string why = result ? lower(result->message()) : std::string("aborted");
  return {ProbeResult::kFailure, "dial tcp " + addr + ": connect: " + why};
}

}  // namespace orch::agent
