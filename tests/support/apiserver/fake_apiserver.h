#pragma once
// A small in-process Kubernetes API server for client tests: plain HTTP/1.1 on 127.0.0.1 at
// an ephemeral port, serving any resource path (/api/v1/..., /apis/<group>/<version>/...)
// from an in-memory store of raw JSON objects with one global resourceVersion counter.
//
// What it does, as the real server does:
//  - GET object / list (labelSelector: =, ==, !=, exists, !key, in, notin; fieldSelector:
//    dotted paths with = / !=; limit + continue), POST (201; 409 AlreadyExists; generateName),
//    PUT (409 Conflict on a stale metadata.resourceVersion; /status replaces only .status, the
//    main resource keeps the stored .status), PATCH (merge, JSON patch; strategic merge is
//    treated as a merge patch), DELETE (preconditions uid / resourceVersion → 409),
//    errors as metav1.Status bodies with the upstream reasons.
//  - watch=1: a chunked stream of {"type","object"} lines from resourceVersion (none or "0":
//    synthetic ADDED for the current objects first), ERROR 410 "Expired" when the version is
//    older than the compacted history, BOOKMARK events on request, timeoutSeconds honoured.
// Test hooks: inject errors (status, reason, Retry-After, any body) for matching requests,
// compact the history, make the next watches fail with 410, drop or end watch streams, send
// bookmarks, count requests.
//
// Threads: one acceptor thread and one thread per connection; every public method may be
// called from any thread. stop() (and the destructor) closes every connection and joins.

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <list>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/base/status.h"

namespace orch::testing {

class FakeApiServer {
 public:
  struct InjectedError {
    std::string method;  // "" = any
    std::string target;  // substring of path+query that must match ("" = any)
    int code = 500;
    std::string reason = "InternalError";
    std::string message = "injected error";
    int retryAfterSeconds = 0;  // > 0: Retry-After header and details.retryAfterSeconds
    nlohmann::json body;        // when set: sent verbatim instead of a built Status
    int times = 1;              // how many matching requests get it
  };

  FakeApiServer() = default;
  ~FakeApiServer();
  FakeApiServer(const FakeApiServer&) = delete;
  FakeApiServer& operator=(const FakeApiServer&) = delete;

  // Listens on 127.0.0.1 at an ephemeral port.
  Status start();
  void stop();
  int port() const { return port_; }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }

  // Creates an object as a POST to `collection_path` would (e.g. "/api/v1/namespaces/default/
  // pods"); returns it as stored or the error the POST would give.
  Result<nlohmann::json> create(const std::string& collection_path, nlohmann::json obj);
  // The stored object at `object_path`, if any.
  std::optional<nlohmann::json> get(const std::string& object_path) const;
  // Removes an object as a DELETE would (a DELETED event is recorded).
  Status remove(const std::string& object_path);
  int64_t resourceVersion() const;

  void injectError(InjectedError e);
  void clearInjectedErrors();
  // Forgets the event history up to now: a watch from an older version gets 410 Expired.
  void compact();
  // The next `n` watch requests get an ERROR 410 event (after the 200 head) and end.
  void failNextWatchesWithGone(int n = 1);
  // Closes every open watch connection abruptly (no terminating chunk).
  void dropWatches();
  // Ends every open watch stream cleanly (terminating chunk), as timeoutSeconds would.
  void endWatches();
  // Sends a BOOKMARK with the current resourceVersion on every watch that allows them.
  void sendBookmarks();
  // Closes every client connection (idle keep-alive ones included), as a server restart would.
  void closeConnections();
  int activeWatches() const;
  // Requests seen whose method matches ("" = any) and whose path+query contains `substr`.
  int requestCount(const std::string& method, const std::string& substr = "") const;
  // Connections accepted so far.
  int connectionsAccepted() const;

  struct Impl;

 private:
  int port_ = 0;
  std::shared_ptr<Impl> impl_;
  std::thread acceptor_;
};

}  // namespace orch::testing
