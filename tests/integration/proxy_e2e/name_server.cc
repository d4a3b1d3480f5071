#include "tests/integration/proxy_e2e/name_server.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>

#include "common/base/unique_fd.h"

namespace orch::testing {
namespace {

sockaddr_in sockaddr4(const std::string& ip, uint16_t port) {
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(port);
  inet_pton(AF_INET, ip.c_str(), &a.sin_addr);
  return a;
}

std::string ipOf(const sockaddr_in& a) {
  char buf[INET_ADDRSTRLEN] = {};
  inet_ntop(AF_INET, &a.sin_addr, buf, sizeof buf);
  return buf;
}

Result<Answer> parseAnswer(const std::string& text, const std::string& what) {
  auto sp = text.find(' ');
  if (sp == std::string::npos) return Status::error(EPROTO, what + ": odd answer '" + text + "'");
  return Answer{text.substr(0, sp), text.substr(sp + 1)};
}

std::string target(const std::string& proto, const std::string& ip, uint16_t port) {
  return proto + " " + ip + ":" + std::to_string(port);
}

int msOf(std::chrono::milliseconds d) {
  return static_cast<int>(d.count());
}

}  // namespace

NameServer::NameServer(const TestNetns& ns, std::string name, uint16_t port)
    : name_(std::move(name)) {
  thread_ = std::thread([this, &ns, port] {
    status_ = ns.run([this, port] { return serve(port); });
    bound_ = true;  // also when run() itself failed
  });
  while (!bound_) std::this_thread::yield();
}

Status NameServer::serve(uint16_t port) {
  UniqueFd tcp(socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
  UniqueFd udp(socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0));
  int one = 1;
  setsockopt(tcp.get(), SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  sockaddr_in a = sockaddr4("0.0.0.0", port);
  if (bind(tcp.get(), reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 ||
      listen(tcp.get(), 64) != 0 ||
      bind(udp.get(), reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
    Status st = Status::fromErrno(name_ + ": bind :" + std::to_string(port));
    bound_ = true;
    return st;
  }
  bound_ok_ = true;
  bound_ = true;
  while (!stop_) {
    pollfd p[2] = {{tcp.get(), POLLIN, 0}, {udp.get(), POLLIN, 0}};
    if (poll(p, 2, 50) <= 0) continue;
    sockaddr_in peer{};
    socklen_t len = sizeof peer;
    if (p[0].revents & POLLIN) {
      UniqueFd c(accept4(tcp.get(), reinterpret_cast<sockaddr*>(&peer), &len, SOCK_CLOEXEC));
      if (c) {
        std::string text = name_ + " " + ipOf(peer);
        (void)!write(c.get(), text.data(), text.size());
      }
    }
    if (p[1].revents & POLLIN) {
      char buf[512];
      len = sizeof peer;
      ssize_t n = recvfrom(udp.get(), buf, sizeof buf, MSG_DONTWAIT,
                           reinterpret_cast<sockaddr*>(&peer), &len);
      if (n >= 0) {
        std::string text = name_ + " " + ipOf(peer);
        (void)!sendto(udp.get(), text.data(), text.size(), 0, reinterpret_cast<sockaddr*>(&peer),
                      len);
      }
    }
  }
  return Status::ok();
}

Status NameServer::stop() {
  stop_ = true;
  if (thread_.joinable()) thread_.join();
  return status_;
}

Result<Answer> askTcp(const TestNetns& from, const std::string& ip, uint16_t port,
                      std::chrono::milliseconds wait) {
  const std::string what = target("tcp", ip, port);
  return from.run([&]() -> Result<Answer> {
    UniqueFd fd(socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
    if (!fd) return Status::fromErrno("socket");
    sockaddr_in a = sockaddr4(ip, port);
    if (connect(fd.get(), reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 && errno != EINPROGRESS) {
      return Status::fromErrno("connect " + what);
    }
    pollfd p{fd.get(), POLLOUT, 0};
    int n = poll(&p, 1, msOf(wait));
    if (n == 0) return Status::error(ETIMEDOUT, "connect " + what + ": no answer");
    int err = 0;
    socklen_t len = sizeof err;
    getsockopt(fd.get(), SOL_SOCKET, SO_ERROR, &err, &len);
    if (err != 0) return Status::error(err, "connect " + what);
    std::string text;
    for (;;) {
      pollfd r{fd.get(), POLLIN, 0};
      if (poll(&r, 1, msOf(wait)) == 0) {
        return Status::error(ETIMEDOUT, "read " + what + ": got '" + text + "' and no EOF");
      }
      char buf[256];
      ssize_t got = read(fd.get(), buf, sizeof buf);
      if (got < 0) {
        if (errno == EAGAIN || errno == EINTR) continue;
        return Status::fromErrno("read " + what);
      }
      if (got == 0) break;
      text.append(buf, static_cast<size_t>(got));
    }
    return parseAnswer(text, what);
  });
}

Result<Answer> askUdp(const TestNetns& from, const std::string& ip, uint16_t port,
                      uint16_t src_port, std::chrono::milliseconds wait) {
  const std::string what = target("udp", ip, port);
  return from.run([&]() -> Result<Answer> {
    UniqueFd fd(socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
    if (!fd) return Status::fromErrno("socket");
    int one = 1;
    setsockopt(fd.get(), SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    sockaddr_in src = sockaddr4("0.0.0.0", src_port);
    if (bind(fd.get(), reinterpret_cast<sockaddr*>(&src), sizeof src) != 0) {
      return Status::fromErrno("bind udp source port " + std::to_string(src_port));
    }
    sockaddr_in a = sockaddr4(ip, port);
    if (connect(fd.get(), reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
      return Status::fromErrno("connect " + what);
    }
    if (send(fd.get(), "?", 1, 0) != 1) return Status::fromErrno("send " + what);
    pollfd p{fd.get(), POLLIN, 0};
    if (poll(&p, 1, msOf(wait)) == 0) return Status::error(ETIMEDOUT, what + ": no answer");
    char buf[256];
    ssize_t got = recv(fd.get(), buf, sizeof buf, 0);
    if (got < 0) return Status::fromErrno("recv " + what);  // ECONNREFUSED: ICMP unreachable
    return parseAnswer(std::string(buf, static_cast<size_t>(got)), what);
  });
}

}  // namespace orch::testing
