// Store write throughput: durable CAS writes per second with 1, 16 and 64 concurrent writers,
// on SqliteStore (group commit, synchronous=FULL, and NORMAL for comparison) and on EtcdStore
// against a real etcd started on loopback, next to raw etcd Put through the same client (the
// ceiling). Prints a table; never passes or fails on speed.
//
//   meson test -C build --benchmark --verbose store     (or: build/bench/store/bench_store
//   [SECONDS])
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <functional>
#include <string>
#include <thread>
#include <vector>

#include "controlplane/store/etcd_store.h"
#include "controlplane/store/sqlite_store.h"
#include "etcd_server.h"
#include "support/temp_dir.h"

using namespace std::chrono_literals;
using orch::store::EtcdStore;
using orch::store::SqliteStore;

namespace {

using WriteFn = std::function<orch::Status(const std::string& key)>;

// Runs `clients` threads writing distinct keys for `duration`; returns writes/s (-1 on error).
double measure(int clients, std::chrono::milliseconds duration, const std::string& tag,
               const WriteFn& write) {
  std::atomic<bool> stop{false};
  std::atomic<long> done{0};
  std::atomic<bool> failed{false};
  std::vector<std::thread> threads;
  auto start = std::chrono::steady_clock::now();
  for (int c = 0; c < clients; ++c) {
    threads.emplace_back([&, c] {
      for (long i = 0; !stop.load(std::memory_order_relaxed); ++i) {
        auto st = write("/bench/" + tag + "/" + std::to_string(c) + "/" + std::to_string(i));
        if (!st.isOk()) {
          if (!failed.exchange(true)) std::fprintf(stderr, "write: %s\n", st.message().c_str());
          return;
        }
        done.fetch_add(1, std::memory_order_relaxed);
      }
    });
  }
  std::this_thread::sleep_for(duration);
  stop = true;
  for (auto& t : threads) t.join();
  double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return failed ? -1 : static_cast<double>(done.load()) / secs;
}

}  // namespace

int main(int argc, char** argv) {
  auto duration = std::chrono::milliseconds(argc > 1 ? std::stoi(argv[1]) * 1000 : 3000);
  const std::vector<int> clients = {1, 16, 64};
  const std::string value(512, 'x');  // about the size of a small Pod in JSON
  std::printf("store write throughput: %lld ms per run, 512-byte values, distinct keys\n",
              static_cast<long long>(duration.count()));
  std::printf("%-34s %8s %12s\n", "backend", "clients", "writes/s");

  auto row = [](const char* name, int n, double rate) {
    if (rate < 0) {
      std::printf("%-34s %8d %12s\n", name, n, "error");
    } else {
      std::printf("%-34s %8d %12.0f\n", name, n, rate);
    }
    std::fflush(stdout);
  };

  for (auto sync : {SqliteStore::Sync::kFull, SqliteStore::Sync::kNormal}) {
    const char* name = sync == SqliteStore::Sync::kFull ? "sqlite create (synchronous=FULL)"
                                                        : "sqlite create (synchronous=NORMAL)";
    for (int n : clients) {
      orch::testing::TempDir dir;
      auto s = SqliteStore::open({.path = dir.path() + "/store.db", .sync = sync});
      if (!s.ok()) {
        std::fprintf(stderr, "sqlite: %s\n", s.status().message().c_str());
        return 1;
      }
      row(name, n, measure(n, duration, "s", [&](const std::string& k) {
            return (*s)->create(k, value).status();
          }));
    }
  }

  auto etcd = orch::store::testing::EtcdServer::start();
  if (!etcd.ok()) {
    std::fprintf(stderr, "etcd: %s\n", etcd.status().message().c_str());
    return 1;
  }
  auto store = EtcdStore::open({.endpoints = {(*etcd)->endpoint()}});
  if (!store.ok()) {
    std::fprintf(stderr, "etcd: %s\n", store.status().message().c_str());
    return 1;
  }
  // The disk and CPUs are shared and their speed drifts: raw Put and CAS create are measured
  // alternately, twice each, and the better run of each is reported.
  std::vector<double> raw, cas;
  for (int n : clients) {
    double best_raw = -1, best_cas = -1;
    for (int round = 0; round < 2; ++round) {
      std::string tag = std::to_string(n) + "-" + std::to_string(round);
      best_raw = std::max(best_raw, measure(n, duration, "raw" + tag, [&](const std::string& k) {
                            return (*store)->put(k, value).status();
                          }));
      best_cas = std::max(best_cas, measure(n, duration, "cas" + tag, [&](const std::string& k) {
                            return (*store)->create(k, value).status();
                          }));
    }
    raw.push_back(best_raw);
    cas.push_back(best_cas);
  }
  for (size_t i = 0; i < clients.size(); ++i) row("etcd raw Put (ceiling)", clients[i], raw[i]);
  for (size_t i = 0; i < clients.size(); ++i) row("etcd create (Txn CAS)", clients[i], cas[i]);
  std::printf("\netcd create / raw Put:");
  for (size_t i = 0; i < clients.size(); ++i) {
    std::printf("  %d clients %.2f", clients[i], raw[i] > 0 ? cas[i] / raw[i] : 0.0);
  }
  std::printf("\n");
  return 0;
}
