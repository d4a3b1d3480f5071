// Benchmark: delivery latency of one write to 1,000 watchers of one WatchCache on SqliteStore.
// Each watcher has its own consumer thread blocked in next(); a round writes one key and
// measures, per watcher, the time from the write call to next() returning the event. The same
// run with 1,000 direct SqliteStore watches is printed alongside. Prints figures only.
//
//   meson test -C build --benchmark watchcache   (or run bench_apiserver_watchcache [watchers])

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <thread>
#include <vector>

#include "controlplane/apiserver/watchcache/watch_cache.h"
#include "controlplane/store/sqlite_store.h"
#include "support/temp_dir.h"

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

namespace {

double pct(std::vector<double> v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  size_t i = std::min(v.size() - 1, static_cast<size_t>(p / 100.0 * static_cast<double>(v.size())));
  return v[i];
}

// One measurement: `watchers` watches, served by a WatchCache (via_cache) or each a direct
// store watch. Returns false (after printing why) on an error.
bool run(int watchers, int rounds, bool via_cache) {
  orch::testing::TempDir dir;
  auto st = orch::store::SqliteStore::open({.path = dir.path() + "/store.db",
                                            .sync = orch::store::SqliteStore::Sync::kNormal,
                                            .compaction_interval = 0ms});
  if (!st.ok()) {
    std::fprintf(stderr, "open store: %s\n", st.status().message().c_str());
    return false;
  }
  auto& store = **st;
  std::unique_ptr<orch::apiserver::WatchCache> cache;
  if (via_cache) {
    auto c = orch::apiserver::WatchCache::create(store, "/registry/pods/", {});
    if (!c.ok()) {
      std::fprintf(stderr, "watch cache: %s\n", c.status().message().c_str());
      return false;
    }
    cache = std::move(c).value();
  }

  std::mutex mu;
  std::condition_variable cv;
  int received = 0;
  std::atomic<bool> stop{false};
  std::vector<Clock::time_point> arrival(watchers);
  std::vector<std::unique_ptr<orch::store::Watch>> ws;
  for (int i = 0; i < watchers; ++i) {
    orch::Result<std::unique_ptr<orch::store::Watch>> w = orch::Status::invalid("unreachable");
    if (via_cache) {
      auto cw = cache->watch("/registry/pods/", 0);
      if (cw.ok()) {
        w = std::unique_ptr<orch::store::Watch>(std::move(cw).value());
      } else {
        w = cw.status();
      }
    } else {
      w = store.watch("/registry/pods/", 0);
    }
    if (!w.ok()) {
      std::fprintf(stderr, "watch: %s\n", w.status().message().c_str());
      return false;
    }
    ws.push_back(std::move(w).value());
  }
  std::vector<std::thread> threads;
  for (int i = 0; i < watchers; ++i) {
    threads.emplace_back([&, i] {
      while (!stop.load()) {
        auto r = ws[i]->next(200ms);
        if (!r.ok()) return;
        if (r->empty()) continue;
        arrival[i] = Clock::now();
        std::lock_guard lock(mu);
        if (++received == watchers) cv.notify_all();
      }
    });
  }

  std::vector<double> each_us, all_us, ack_us;
  for (int round = 0; round < rounds + 5; ++round) {
    {
      std::lock_guard lock(mu);
      received = 0;
    }
    auto t0 = Clock::now();
    auto r = store.create("/registry/pods/ns/p" + std::to_string(round), "{}");
    auto t_ack = Clock::now();
    if (!r.ok()) {
      std::fprintf(stderr, "write: %s\n", r.status().message().c_str());
      return false;
    }
    std::unique_lock lock(mu);
    cv.wait(lock, [&] { return received == watchers; });
    if (round < 5) continue;  // warm-up
    auto us = [&](Clock::time_point t) {
      return std::chrono::duration<double, std::micro>(t - t0).count();
    };
    double last = 0;
    for (auto t : arrival) {
      each_us.push_back(us(t));
      last = std::max(last, us(t));
    }
    all_us.push_back(last);
    ack_us.push_back(us(t_ack));
  }
  stop = true;
  for (auto& w : ws) w->cancel();
  for (auto& t : threads) t.join();

  std::printf("%s: one write delivered to %d watchers (SqliteStore, sync=normal), %d rounds\n",
              via_cache ? "WatchCache, one store watch" : "direct store watches", watchers, rounds);
  std::printf("  per-watcher delivery  p50 %8.0f us  p99 %8.0f us\n", pct(each_us, 50),
              pct(each_us, 99));
  std::printf("  last watcher          p50 %8.0f us  p99 %8.0f us\n", pct(all_us, 50),
              pct(all_us, 99));
  std::printf("  store write ack       p50 %8.0f us  p99 %8.0f us\n", pct(ack_us, 50),
              pct(ack_us, 99));
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  const int watchers = argc > 1 ? std::atoi(argv[1]) : 1000;
  const int rounds = 50;
  std::printf("command: %s %d\n", argv[0], watchers);
  if (!run(watchers, rounds, /*via_cache=*/true)) return 1;
  if (!run(watchers, rounds, /*via_cache=*/false)) return 1;
  return 0;
}
