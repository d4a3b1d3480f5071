#pragma once
// Request/response load on event loops (tls_connection.h): `clients` keep-alive connections,
// connected one after the other before the clock starts, then shared among an epoll loop per
// CPU. Each connection has one request in flight at a time, as a client thread waiting for
// its answer would, without a thread of its own to wake per answer: the load generator takes
// as little as it can of the CPUs it shares with the server under test.

#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <utility>

#include "common/base/status.h"
#include "common/client/rest_config.h"
#include "load_client.h"

namespace orch::bench {

struct LoadRequest {
  std::string method = "GET";
  std::string target;  // path and query
  std::string body;    // JSON; empty: none
};

struct LoadAnswer {
  int status = 0;
  std::string body;
};

// The next request of client `client`: its first when `previous` is null, else the one after
// that answer; nullopt when the client is done. An error (an answer not as expected) ends the
// client and is the run's error. Called on the loops' threads, never twice at once for one
// client.
using Next = Result<std::optional<LoadRequest>>;
using NextRequest = std::function<Next(int client, const LoadAnswer* previous)>;
inline Next send(LoadRequest r) {
  return std::optional<LoadRequest>(std::move(r));
}
inline Next done() {
  return std::optional<LoadRequest>();
}

// Runs until `duration` has passed (no client starts a request after that) or, for a zero
// duration, until every client is done. ops counts the answers `next` accepted; seconds runs
// from the first request to the last answer.
RateResult runOnEventLoops(const client::RestConfig& config, int clients,
                           std::chrono::milliseconds duration, const NextRequest& next);

}  // namespace orch::bench
