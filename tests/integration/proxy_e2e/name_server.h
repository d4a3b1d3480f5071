#pragma once
// The "pods" of the proxy end-to-end tests and their clients: a server inside a namespace that
// answers every TCP connection and every UDP datagram with its own name and the address it saw
// the peer at, and one-shot clients that ask it through a Service address.
//
// Every wait is bounded by a poll timeout (a bound, never asserted on).

#include <atomic>
#include <chrono>
#include <cstdint>
#include <string>
#include <thread>

#include "common/base/status.h"
#include "tests/support/netns/netns_fixture.h"

namespace orch::testing {

// TCP and UDP on 0.0.0.0:`port` inside `ns`, answering "<name> <peer ip>" (TCP: then closes).
// Threads: its own serving thread; the constructor returns once both sockets are bound.
class NameServer {
 public:
  NameServer(const TestNetns& ns, std::string name, uint16_t port = 8080);
  ~NameServer() { (void)stop(); }
  NameServer(const NameServer&) = delete;
  NameServer& operator=(const NameServer&) = delete;

  const std::string& name() const { return name_; }
  // Whether it is serving (false: the sockets could not be bound; see stop()).
  bool serving() const { return bound_ok_; }
  // Stops serving; what went wrong while serving (bind, listen), if anything.
  Status stop();

 private:
  Status serve(uint16_t port);

  const std::string name_;
  std::atomic<bool> stop_{false}, bound_{false}, bound_ok_{false};
  Status status_;
  std::thread thread_;
};

struct Answer {
  std::string backend;  // the answering server's name
  std::string peer;     // the client address that server saw
};

// Connects from inside `from` to ip:port over TCP and reads the answer until EOF. Errors carry
// the errno: ECONNREFUSED for a reset, ETIMEDOUT when nothing completed within `wait`.
Result<Answer> askTcp(const TestNetns& from, const std::string& ip, uint16_t port,
                      std::chrono::milliseconds wait = std::chrono::seconds(2));

// Sends one datagram from inside `from` to ip:port on a connected UDP socket bound to
// `src_port` (0: any) and waits `wait` for the answer. ECONNREFUSED when an ICMP unreachable
// came back, ETIMEDOUT when nothing did.
Result<Answer> askUdp(const TestNetns& from, const std::string& ip, uint16_t port,
                      uint16_t src_port = 0,
                      std::chrono::milliseconds wait = std::chrono::seconds(1));

}  // namespace orch::testing
