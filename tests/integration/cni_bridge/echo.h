#pragma once
// A TCP+UDP echo server running on a thread inside a test namespace, and a client that
// connects from another namespace: enough to see DNAT work end to end.

#include <atomic>
#include <string>
#include <thread>

#include "common/netlink/netns.h"

namespace orch::testing::cnib {

class EchoServer {
 public:
  // Listens on 0.0.0.0:port (TCP and UDP) inside `ns`; replies with "echo:" + data.
  EchoServer(const netlink::NetNs& ns, uint16_t port);
  ~EchoServer();
  bool ready() const { return ready_; }

 private:
  std::atomic<bool> stop_{false};
  std::atomic<bool> ready_{false};
  std::atomic<bool> started_{false};
  std::thread thread_;
};

// Sends `msg` to addr:port from inside `ns` (TCP or UDP) and returns the reply, "" on
// failure or after ~2 s.
std::string echoRequest(const netlink::NetNs& ns, const std::string& addr, uint16_t port,
                        const std::string& msg, bool udp = false);

}  // namespace orch::testing::cnib
