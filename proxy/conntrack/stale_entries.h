#pragma once
// The pure half of the conntrack cleaner: which UDP/SCTP conntrack entries are stale
// for a ProxyState (see proxy/core/conntrack_cleaner.h for why they must go).
//
// An entry is stale when its original destination is a Service address of the state
//   - cluster IP : port            (allowed targets: selectEndpoints().internal)
//   - external IP / LB IP : port   (allowed targets: selectEndpoints().external)
//   - any address : node port      (allowed targets: selectEndpoints().external)
// with the Service port's protocol, and its reply source (the DNAT target, ip:port) is
// not one of the allowed targets. An entry that was never DNATed has reply source ==
// original destination, which is never an endpoint, so it is stale too. A cluster/
// external/LB address match wins over a node-port match. TCP entries are never stale
// here (TCP connections end by themselves).
//
// Addresses are compared in canonical form, so "fd00::0:1" and "fd00::1" are equal.

#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <tuple>
#include <utility>

#include "proxy/core/service_model.h"

namespace orch::proxy {

// What the decision needs of one conntrack entry (ports in host order).
struct ConntrackEntry {
  Protocol protocol = Protocol::kUdp;
  std::string orig_dst;
  uint16_t orig_dst_port = 0;
  std::string reply_src;
  uint16_t reply_src_port = 0;
};

// Indexes a ProxyState once so that each entry is decided in O(log n).
class StaleEntryMatcher {
 public:
  explicit StaleEntryMatcher(const ProxyState& state);

  bool isStale(const ConntrackEntry& entry) const;
  // No UDP/SCTP Service address at all: no entry can be stale (the dump can be skipped).
  bool empty() const { return vips_.empty() && node_ports_.empty(); }

 private:
  using Targets = std::set<std::pair<std::string, uint16_t>>;
  std::map<std::tuple<std::string, Protocol, uint16_t>, Targets> vips_;
  std::map<std::pair<Protocol, uint16_t>, Targets> node_ports_;
};

// One-shot form of StaleEntryMatcher(state).isStale(entry).
bool isStaleConntrackEntry(const ConntrackEntry& entry, const ProxyState& state);

// The canonical text of an IP address ("fd00::1"); the input unchanged when it is not one.
std::string canonicalIp(const std::string& ip);

}  // namespace orch::proxy
