#include "load_client.h"

#include <algorithm>
#include <array>
#include <atomic>
#include <charconv>
#include <memory>
#include <nlohmann/json.hpp>
#include <thread>
#include <utility>
#include <vector>

#include "common/client/canceller.h"
#include "common/client/http_client.h"
#include "event_loop_load.h"
#include "watch_readers.h"

namespace orch::bench {

using namespace std::chrono_literals;
using client::HttpClient;
using client::HttpRequest;
using Clock = std::chrono::steady_clock;

namespace {

constexpr const char* kPods = "/api/v1/namespaces/default/pods";

// One client per thread, keeping at most one idle connection: its own keep-alive connection.
Result<std::unique_ptr<HttpClient>> connectOne(const client::RestConfig& config) {
  ORCH_ASSIGN_OR_RETURN(auto http, HttpClient::create(config, {.maxIdleConnections = 1}));
  // Connect (TCP + TLS + authentication) now, outside any timed section.
  ORCH_ASSIGN_OR_RETURN(auto res, http->request({.target = "/api/v1/namespaces/default"}));
  if (res.status != 200)
    return Status::error(EIO, "GET namespace: HTTP " + std::to_string(res.status));
  return http;
}

HttpRequest postPod(const std::string& name) {
  return {
      .method = "POST", .target = kPods, .body = podJson(name), .contentType = "application/json"};
}

// "HTTP <status>: <start of the body>", for errors.
std::string answerText(int status, const std::string& body) {
  return "HTTP " + std::to_string(status) + ": " + body.substr(0, 300);
}

std::string describe(const Result<client::HttpResponse>& res) {
  return res.ok() ? answerText(res->status, res->body) : res.status().message();
}

// An answer other than `expected` as the error of request `what`.
Status unexpected(const std::string& what, const LoadAnswer& a) {
  return Status::error(EIO, what + ": " + answerText(a.status, a.body));
}

}  // namespace

std::string podJson(const std::string& name) {
  // The JSON is built and dumped once, around a marker for the name; a request's body is then
  // the two halves and the name (building it per request cost a fifth of the load generator's
  // CPU, taken from the server it shares the machine with).
  static const std::pair<std::string, std::string> halves = [] {
    const std::string marker = "\"@NAME@\"";
    nlohmann::json pod = {{"apiVersion", "v1"},
                          {"kind", "Pod"},
                          {"metadata",
                           {{"name", "@NAME@"},
                            {"namespace", "default"},
                            {"labels", {{"app", "bench"}, {"tier", "load"}}},
                            {"annotations", {{"bench.orch.dev/purpose", "apiserver throughput"}}}}},
                          {"spec",
                           {{"restartPolicy", "Always"},
                            {"containers",
                             {{{"name", "app"},
                               {"image", "registry.k8s.io/pause:3.9"},
                               {"ports", {{{"containerPort", 8080}, {"protocol", "TCP"}}}},
                               {"resources",
                                {{"requests", {{"cpu", "10m"}, {"memory", "16Mi"}}},
                                 {"limits", {{"cpu", "100m"}, {"memory", "64Mi"}}}}}}}}}}};
    const std::string text = pod.dump();
    const size_t at = text.find(marker);
    return std::make_pair(text.substr(0, at), text.substr(at + marker.size()));
  }();
  return halves.first + nlohmann::json(name).dump() + halves.second;
}

RateResult runCreates(const client::RestConfig& config, int clients, const std::string& prefix,
                      std::chrono::milliseconds duration, long count) {
  std::atomic<long> issued{0};
  std::vector<long> made(static_cast<size_t>(clients), 0);  // each client's, on its loop
  return runOnEventLoops(
      config, clients, count > 0 ? 0ms : duration, [&](int c, const LoadAnswer* previous) -> Next {
        long& i = made[static_cast<size_t>(c)];
        const std::string name = prefix + "-c" + std::to_string(c) + "-";
        if (previous != nullptr && previous->status != 201)
          return unexpected("create " + name + std::to_string(i - 1), *previous);
        if (count > 0 && issued.fetch_add(1) >= count) return done();
        return send(
            {.method = "POST", .target = kPods, .body = podJson(name + std::to_string(i++))});
      });
}

RateResult runUpdates(const client::RestConfig& config, int clients, const std::string& prefix,
                      std::chrono::milliseconds duration) {
  // Each client's Pod is created (untimed) by the same client, whose answer carries the
  // resourceVersion the first PUT sends; each PUT's answer then carries the next one.
  std::vector<nlohmann::json> pods(static_cast<size_t>(clients));
  std::vector<long> generation(static_cast<size_t>(clients), 0);
  auto keep = [&](int c, const LoadAnswer& a, int expected, const std::string& what) -> Status {
    if (a.status != expected) return unexpected(what, a);
    nlohmann::json& pod = pods[static_cast<size_t>(c)];
    pod = nlohmann::json::parse(a.body, nullptr, false);
    if (pod.is_discarded()) return Status::error(EIO, what + ": the answer is not JSON");
    return Status::ok();
  };
  RateResult made =
      runOnEventLoops(config, clients, 0ms, [&](int c, const LoadAnswer* previous) -> Next {
        const std::string name = prefix + "-c" + std::to_string(c);
        if (previous != nullptr) {
          ORCH_RETURN_IF_ERROR(keep(c, *previous, 201, "create " + name));
          return done();
        }
        return send({.method = "POST", .target = kPods, .body = podJson(name)});
      });
  if (made.errors > 0) return made;
  return runOnEventLoops(config, clients, duration, [&](int c, const LoadAnswer* previous) -> Next {
    nlohmann::json& pod = pods[static_cast<size_t>(c)];
    const std::string target =
        std::string(kPods) + "/" + pod["metadata"]["name"].get<std::string>();
    if (previous != nullptr) ORCH_RETURN_IF_ERROR(keep(c, *previous, 200, "update " + target));
    long& i = generation[static_cast<size_t>(c)];
    pod["metadata"]["labels"]["generation"] = std::to_string(i++);
    return send({.method = "PUT", .target = target, .body = pod.dump()});
  });
}

RateResult runGets(const client::RestConfig& config, int clients, const std::string& target,
                   std::chrono::milliseconds duration) {
  return runOnEventLoops(config, clients, duration, [&](int, const LoadAnswer* previous) -> Next {
    if (previous != nullptr && previous->status != 200)
      return unexpected("GET " + target, *previous);
    return send({.target = target});
  });
}

namespace {

// One watch stream: when each "<prefix><i>" event's bytes arrived.
struct Watcher {
  std::vector<Clock::time_point> seen;  // by write index; epoch = not yet
  std::string line;
  std::string error;
};

// The i of the first object name "<prefix><i>" in a watch event line, or -1. `needles` are
// the name's key and the prefix as compact and as spaced JSON may write them.
long latIndex(std::string_view line, const std::array<std::string, 2>& needles) {
  for (const std::string& needle : needles) {
    auto pos = line.find(needle);
    if (pos == std::string_view::npos) continue;
    long i = -1;
    auto digits = line.substr(pos + needle.size());
    auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), i);
    return ec == std::errc() && end < digits.data() + digits.size() && *end == '"' ? i : -1;
  }
  return -1;
}

double percentile(std::vector<double>& v, double p) {
  if (v.empty()) return 0;
  size_t k = std::min(v.size() - 1, static_cast<size_t>(p * static_cast<double>(v.size())));
  std::nth_element(v.begin(), v.begin() + static_cast<long>(k), v.end());
  return v[k];
}

}  // namespace

LatencyResult measureWatchLatency(const client::RestConfig& config, int watchers, int writes,
                                  WatchReading reading) {
  LatencyResult out;
  const std::string prefix = reading == WatchReading::kEventLoops ? "lat-loop-" : "lat-threads-";
  const std::array<std::string, 2> needles = {"\"name\":\"" + prefix, "\"name\": \"" + prefix};
  auto writer = connectOne(config);
  if (!writer.ok()) {
    out.error = writer.status().message();
    return out;
  }
  auto list = (*writer)->request({.target = std::string(kPods) + "?limit=1"});
  nlohmann::json lj =
      list.ok() ? nlohmann::json::parse(list->body, nullptr, false) : nlohmann::json();
  if (!list.ok() || list->status != 200 || lj.is_discarded()) {
    out.error = "list: " + describe(list);
    return out;
  }
  const std::string rv = lj["metadata"].value("resourceVersion", "");
  const int total = writes + 1;  // <prefix>0 is the warm-up
  std::vector<std::unique_ptr<Watcher>> ws;
  std::vector<std::atomic<int>> received(static_cast<size_t>(total));
  std::atomic<int> ended{0};
  for (int w = 0; w < watchers; ++w) {
    ws.push_back(std::make_unique<Watcher>());
    ws.back()->seen.resize(static_cast<size_t>(total));
  }
  auto on_data = [&](int w, std::string_view data) {
    auto now = Clock::now();
    Watcher& me = *ws[static_cast<size_t>(w)];
    me.line.append(data);
    size_t nl;
    while ((nl = me.line.find('\n')) != std::string::npos) {
      long i = latIndex(std::string_view(me.line).substr(0, nl), needles);
      me.line.erase(0, nl + 1);
      if (i >= 0 && i < total && me.seen[static_cast<size_t>(i)] == Clock::time_point{}) {
        me.seen[static_cast<size_t>(i)] = now;
        received[static_cast<size_t>(i)].fetch_add(1);
      }
    }
  };
  auto on_end = [&](int w, const std::string& why) {
    ws[static_cast<size_t>(w)]->error = why;
    ended.fetch_add(1);
  };
  auto start = Clock::now();
  const std::string target = std::string(kPods) + "?watch=1&resourceVersion=" + rv;
  auto readers = reading == WatchReading::kEventLoops
                     ? readWithEventLoops(config, target, watchers, on_data, on_end)
                     : readWithThreadEach(config, target, watchers, on_data, on_end);
  if (!readers.ok()) {
    out.error = "watchers: " + readers.status().message();
    return out;
  }
  // Wait until every live stream delivered the warm-up event (re-sent a few times: a stream that
  // connected late still gets it, as it watches from `rv`).
  std::vector<Clock::time_point> sent(static_cast<size_t>(total));
  std::vector<double> round_trips;
  auto create = [&](int i) {
    sent[static_cast<size_t>(i)] = Clock::now();
    auto res = (*writer)->request(postPod(prefix + std::to_string(i)));
    if (i > 0) {
      round_trips.push_back(
          std::chrono::duration<double, std::milli>(Clock::now() - sent[static_cast<size_t>(i)])
              .count());
    }
    if (!res.ok() || res->status != 201)
      out.error = "create " + prefix + std::to_string(i) + ": " + describe(res);
  };
  create(0);
  auto deadline = Clock::now() + 60s;
  while (received[0].load() + ended.load() < watchers && Clock::now() < deadline) {
    std::this_thread::sleep_for(5ms);
  }
  out.connect_seconds = std::chrono::duration<double>(Clock::now() - start).count();
  out.watchers = received[0].load();
  for (int i = 1; i < total && out.error.empty(); ++i) {
    std::this_thread::sleep_for(20ms);  // let the previous fan-out settle
    create(i);
    auto until = Clock::now() + 5s;
    while (received[static_cast<size_t>(i)].load() < out.watchers && Clock::now() < until) {
      std::this_thread::sleep_for(1ms);
    }
  }
  readers->reset();  // closes every stream: the watchers' data is stable from here
  std::vector<double> ms;
  for (auto& w : ws) {
    if (w->seen[0] == Clock::time_point{}) {
      if (out.error.empty() && !w->error.empty()) out.error = "watcher: " + w->error;
      continue;
    }
    for (int i = 1; i < total; ++i) {
      auto t = w->seen[static_cast<size_t>(i)];
      if (t == Clock::time_point{}) {
        ++out.missing;
        continue;
      }
      ms.push_back(
          std::chrono::duration<double, std::milli>(t - sent[static_cast<size_t>(i)]).count());
    }
  }
  std::vector<double> firsts, spreads;
  for (int i = 1; i < total; ++i) {
    Clock::time_point first = Clock::time_point::max(), last = Clock::time_point::min();
    for (auto& w : ws) {
      auto t = w->seen[static_cast<size_t>(i)];
      if (w->seen[0] == Clock::time_point{} || t == Clock::time_point{}) continue;
      first = std::min(first, t);
      last = std::max(last, t);
    }
    if (first == Clock::time_point::max()) continue;
    firsts.push_back(
        std::chrono::duration<double, std::milli>(first - sent[static_cast<size_t>(i)]).count());
    spreads.push_back(std::chrono::duration<double, std::milli>(last - first).count());
  }
  out.first_p50_ms = percentile(firsts, 0.5);
  out.spread_p50_ms = percentile(spreads, 0.5);
  out.write_p50_ms = percentile(round_trips, 0.5);
  out.write_max_ms =
      round_trips.empty() ? 0 : *std::max_element(round_trips.begin(), round_trips.end());
  out.samples = static_cast<long>(ms.size());
  out.p50_ms = percentile(ms, 0.50);
  out.p99_ms = percentile(ms, 0.99);
  out.max_ms = ms.empty() ? 0 : *std::max_element(ms.begin(), ms.end());
  return out;
}

Result<ListTiming> listPods(const client::RestConfig& config, long limit) {
  ORCH_ASSIGN_OR_RETURN(auto http, connectOne(config));
  ListTiming t;
  std::string cont;
  do {
    std::string target = "/api/v1/pods";
    if (limit > 0) {
      target += "?limit=" + std::to_string(limit);
      if (!cont.empty()) target += "&continue=" + cont;
    }
    auto start = Clock::now();
    ORCH_ASSIGN_OR_RETURN(auto res, http->request({.target = target, .timeout = 120s}));
    t.seconds += std::chrono::duration<double>(Clock::now() - start).count();
    if (res.status != 200) return Status::error(EIO, "LIST: HTTP " + std::to_string(res.status));
    t.bytes += static_cast<long>(res.body.size());
    ++t.pages;
    // Parsing (to count items and find the continue token) is not timed.
    auto j = nlohmann::json::parse(res.body, nullptr, false);
    if (j.is_discarded()) return Status::invalid("LIST: response is not JSON");
    t.items += static_cast<long>(j["items"].size());
    cont = j["metadata"].value("continue", "");
  } while (limit > 0 && !cont.empty());
  return t;
}

}  // namespace orch::bench
