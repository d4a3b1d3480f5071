#pragma once
// HTTPS load against a running apiserver for the benchmark: Pod creates, updates and GETs from
// N clients (keep-alive connections, one request in flight each, on an epoll loop per CPU:
// event_loop_load.h), watch delivery latency to many concurrent watch streams, and LIST timing.
//
// Threads: every function blocks its caller and joins the threads it starts before returning.
// Errors: a request that fails (transport error or unexpected HTTP status) is counted and the
// first one kept as text; nothing here aborts the benchmark.

#include <chrono>
#include <string>

#include "common/base/status.h"
#include "common/client/rest_config.h"

namespace orch::bench {

struct RateResult {
  long ops = 0;  // successful requests
  long errors = 0;
  double seconds = 0;
  std::string first_error;
  double rate() const { return seconds > 0 ? static_cast<double>(ops) / seconds : 0; }
};

// The JSON of a small Pod named `name` in namespace default (one container, labels, requests).
std::string podJson(const std::string& name);

// `clients` clients each create Pods "<prefix>-c<client>-<i>" for `duration`, or until `count`
// Pods were created in total when count > 0. Every client connects before the clock starts.
RateResult runCreates(const client::RestConfig& config, int clients, const std::string& prefix,
                      std::chrono::milliseconds duration, long count = 0);

// `clients` clients each create one Pod "<prefix>-c<client>" (untimed), then PUT it over and
// over for `duration`, each PUT carrying the resourceVersion the previous answer returned.
RateResult runUpdates(const client::RestConfig& config, int clients, const std::string& prefix,
                      std::chrono::milliseconds duration);

// `clients` clients GET `target` over and over for `duration` (expecting 200): the floor of
// HTTP + TLS + authentication + routing under which no write can go.
RateResult runGets(const client::RestConfig& config, int clients, const std::string& target,
                   std::chrono::milliseconds duration);

struct LatencyResult {
  int watchers = 0;            // streams that saw the warm-up event
  double connect_seconds = 0;  // until every stream saw the warm-up event
  long samples = 0;            // (write, watcher) deliveries measured
  long missing = 0;            // deliveries that did not arrive within 5 s
  double p50_ms = 0, p99_ms = 0, max_ms = 0;
  // Per write: the first watcher's latency (commit + dispatch) and the spread from the first to
  // the last watcher (fan-out); medians over the writes.
  double first_p50_ms = 0, spread_p50_ms = 0;
  // The creates' round trips (durable commit included): median and slowest. A commit the disk
  // holds up delays that write's whole fan-out.
  double write_p50_ms = 0, write_max_ms = 0;
  std::string error;
};

// How the watch streams are read: a thread each through HttpClient, or shared among epoll loops
// (watch_readers.h).
enum class WatchReading { kThreadEach, kEventLoops };

// Opens `watchers` watch streams on /api/v1/namespaces/default/pods from the current
// resourceVersion, waits until all of them delivered a warm-up create, then creates `writes`
// Pods "lat-loop-<i>" or "lat-threads-<i>" one at a time; for each, the time from just before the
// request is sent to the moment each watcher's reader has the event's bytes. The next write starts
// once every watcher got the previous one (or 5 s passed).
LatencyResult measureWatchLatency(const client::RestConfig& config, int watchers, int writes,
                                  WatchReading reading);

struct ListTiming {
  double seconds = 0;  // wall time of the request(s), including reading every byte
  long items = 0;
  long bytes = 0;
  int pages = 0;
};

// GET /api/v1/pods, whole (limit 0) or paged with ?limit=<limit>&continue=... until done.
Result<ListTiming> listPods(const client::RestConfig& config, long limit);

}  // namespace orch::bench
