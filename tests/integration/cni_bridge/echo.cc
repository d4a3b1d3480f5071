#include "tests/integration/cni_bridge/echo.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>

namespace orch::testing::cnib {

EchoServer::EchoServer(const netlink::NetNs& ns, uint16_t port) {
  thread_ = std::thread([this, &ns, port] {
    (void)ns.run([&]() -> Status {
      int t = ::socket(AF_INET, SOCK_STREAM, 0);
      int u = ::socket(AF_INET, SOCK_DGRAM, 0);
      int one = 1;
      ::setsockopt(t, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
      sockaddr_in a{};
      a.sin_family = AF_INET;
      a.sin_port = htons(port);
      bool ok = ::bind(t, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0 && ::listen(t, 16) == 0 &&
                ::bind(u, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0;
      ready_ = ok;
      started_ = true;
      while (ok && !stop_) {
        pollfd p[2] = {{t, POLLIN, 0}, {u, POLLIN, 0}};
        if (::poll(p, 2, 100) <= 0) continue;
        char buf[512];
        if (p[0].revents & POLLIN) {
          int c = ::accept(t, nullptr, nullptr);
          if (c >= 0) {
            pollfd q{c, POLLIN, 0};
            if (::poll(&q, 1, 2000) > 0) {
              ssize_t n = ::read(c, buf, sizeof buf);
              if (n > 0) {
                std::string r = "echo:" + std::string(buf, static_cast<size_t>(n));
                (void)!::write(c, r.data(), r.size());
              }
            }
            ::close(c);
          }
        }
        if (p[1].revents & POLLIN) {
          sockaddr_in from{};
          socklen_t fl = sizeof from;
          ssize_t n = ::recvfrom(u, buf, sizeof buf, 0, reinterpret_cast<sockaddr*>(&from), &fl);
          if (n > 0) {
            std::string r = "echo:" + std::string(buf, static_cast<size_t>(n));
            ::sendto(u, r.data(), r.size(), 0, reinterpret_cast<sockaddr*>(&from), fl);
          }
        }
      }
      ::close(t);
      ::close(u);
      return Status::ok();
    });
    started_ = true;
  });
  while (!started_) std::this_thread::sleep_for(std::chrono::milliseconds(5));
}

EchoServer::~EchoServer() {
  stop_ = true;
  thread_.join();
}

std::string echoRequest(const netlink::NetNs& ns, const std::string& addr, uint16_t port,
                        const std::string& msg, bool udp) {
  auto r = ns.run([&]() -> Result<std::string> {
    int s = ::socket(AF_INET, udp ? SOCK_DGRAM : SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(port);
    ::inet_pton(AF_INET, addr.c_str(), &a.sin_addr);
    ::fcntl(s, F_SETFL, O_NONBLOCK);
    int rc = ::connect(s, reinterpret_cast<sockaddr*>(&a), sizeof a);
    if (rc != 0 && errno != EINPROGRESS) {
      ::close(s);
      return std::string();
    }
    pollfd p{s, POLLOUT, 0};
    if (::poll(&p, 1, 2000) <= 0 || (p.revents & (POLLERR | POLLHUP))) {
      ::close(s);
      return std::string();
    }
    (void)!::send(s, msg.data(), msg.size(), 0);
    p = {s, POLLIN, 0};
    std::string out;
    if (::poll(&p, 1, 2000) > 0 && (p.revents & POLLIN)) {
      char buf[512];
      ssize_t n = ::recv(s, buf, sizeof buf, 0);
      if (n > 0) out.assign(buf, static_cast<size_t>(n));
    }
    ::close(s);
    return out;
  });
  return r.ok() ? *r : std::string();
}

}  // namespace orch::testing::cnib
