#include "agent/prober/tcp_probe.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <vector>

#include "common/base/unique_fd.h"

namespace orch::agent {
namespace {

// A listening socket on 127.0.0.1 that never accepts.
UniqueFd listenLoopback(int backlog, int* port) {
  UniqueFd fd(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  EXPECT_EQ(::bind(fd.get(), reinterpret_cast<sockaddr*>(&addr), sizeof(addr)), 0);
  EXPECT_EQ(::listen(fd.get(), backlog), 0);
  socklen_t len = sizeof(addr);
  ::getsockname(fd.get(), reinterpret_cast<sockaddr*>(&addr), &len);
  *port = ntohs(addr.sin_port);
  return fd;
}

TEST(TcpProbe, ConnectSucceeds) {
  int port = 0;
  UniqueFd l = listenLoopback(16, &port);
  auto out = runTcpProbe("127.0.0.1", port, std::chrono::seconds(5));
  EXPECT_EQ(out.result, ProbeResult::kSuccess) << out.output;
}

TEST(TcpProbe, HostNameIsResolved) {
  int port = 0;
  UniqueFd l = listenLoopback(16, &port);
  auto out = runTcpProbe("localhost", port, std::chrono::seconds(5));
  EXPECT_EQ(out.result, ProbeResult::kSuccess) << out.output;
}

TEST(TcpProbe, RefusedFails) {
  int port = 0;
  { UniqueFd l = listenLoopback(16, &port); }
  auto out = runTcpProbe("127.0.0.1", port, std::chrono::seconds(5));
  EXPECT_EQ(out.result, ProbeResult::kFailure);
  EXPECT_EQ(out.output,
            "dial tcp 127.0.0.1:" + std::to_string(port) + ": connect: connection refused");
}

TEST(TcpProbe, TimeoutFails) {
  // A listener whose accept queue is full drops further SYNs: the connect hangs.
  int port = 0;
  UniqueFd l = listenLoopback(0, &port);
  std::vector<UniqueFd> fillers;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(static_cast<uint16_t>(port));
  for (int i = 0; i < 4; ++i) {
    UniqueFd c(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0));
    (void)::connect(c.get(), reinterpret_cast<sockaddr*>(&addr), sizeof(addr));
    fillers.push_back(std::move(c));
  }
  auto out = runTcpProbe("127.0.0.1", port, std::chrono::milliseconds(300));
  EXPECT_EQ(out.result, ProbeResult::kFailure);
  EXPECT_EQ(out.output, "dial tcp 127.0.0.1:" + std::to_string(port) + ": i/o timeout");
}

TEST(TcpProbe, BadInput) {
  EXPECT_EQ(runTcpProbe("127.0.0.1", 0, std::chrono::seconds(1)).result, ProbeResult::kFailure);
  EXPECT_EQ(runTcpProbe("", 80, std::chrono::seconds(1)).result, ProbeResult::kFailure);
}

}  // namespace
}  // namespace orch::agent
