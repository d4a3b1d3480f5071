// orch-apiserver end to end: the real binary on SQLite (temporary data dir) and on a real etcd
// (started here on loopback; skipped when /usr/bin/etcd is missing), each with a fresh PKI, driven
// over HTTPS with the admin client certificate. Prints Pod creates/s and updates/s with 1, 16 and
// 64 clients, watch delivery latency to 1,000 watchers, LIST time of 10,000 Pods and the server's
// RSS, and on etcd the raw etcd Put ceiling through EtcdStore. Never passes or fails on speed.
//
//   meson test -C build --benchmark --verbose apiserver
//   build/bench/apiserver/bench_apiserver --apiserver build/controlplane/orch-apiserver
//       [--seconds 2] [--watchers 1000] [--writes 50] [--pods 10000] [--backend all|sqlite|etcd]
#include <CLI/CLI.hpp>
#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <thread>
#include <vector>

#include "apiserver_process.h"
#include "controlplane/store/etcd_store.h"
#include "etcd_server.h"
#include "load_client.h"
#include "proc_stats.h"
#include "report.h"

using namespace std::chrono_literals;
using orch::bench::ApiserverProcess;
using orch::bench::CpuMeter;
using orch::bench::fmt;
using orch::bench::RateResult;
using orch::bench::Report;
using orch::bench::Row;

namespace {

struct Options {
  std::string apiserver;
  int seconds = 2;
  int watchers = 1000;
  int writes = 50;
  long pods = 10000;
  std::string backend = "all";
  bool watch_only = false;
};

std::string errorNote(const RateResult& r) {
  if (r.errors == 0) return "";
  return "; " + std::to_string(r.errors) + " errors, first: " + r.first_error.substr(0, 160);
}

// Raw etcd writes through EtcdStore from `clients` threads for `duration`: plain Put (the
// ceiling) or create (the Txn compare-and-swap the apiserver uses).
RateResult rawWrites(orch::store::EtcdStore& store, int clients, std::chrono::milliseconds duration,
                     bool cas) {
  std::atomic<bool> stop{false};
  std::atomic<long> done{0}, failed{0};
  std::mutex error_mu;
  std::string first_error;
  const std::string value(700, 'x');  // about the size of the benchmark's Pod
  std::vector<std::thread> threads;
  auto start = std::chrono::steady_clock::now();
  for (int c = 0; c < clients; ++c) {
    threads.emplace_back([&, c] {
      for (long i = 0; !stop.load(); ++i) {
        std::string key =
            std::string(cas ? "/cas/" : "/raw/") + std::to_string(c) + "/" + std::to_string(i);
        orch::Status s = cas ? store.create(key, value).status() : store.put(key, value).status();
        if (!s.isOk()) {
          failed.fetch_add(1);
          std::lock_guard<std::mutex> lock(error_mu);
          if (first_error.empty()) first_error = s.message();
          return;
        }
        done.fetch_add(1);
      }
    });
  }
  std::this_thread::sleep_for(duration);
  stop = true;
  for (auto& t : threads) t.join();
  return RateResult{
      .ops = done.load(),
      .errors = failed.load(),
      .seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count(),
      .first_error = first_error};
}

// The server's (and etcd's) CPU from now on.
CpuMeter meterOf(const ApiserverProcess& server, pid_t etcd_pid) {
  return CpuMeter(server.pid(), etcd_pid, "etcd");
}

double rssMiB(const ApiserverProcess& server) {
  return static_cast<double>(server.rssKiB()) / 1024;
}

// Fill, RSS, LIST, then the create / GET / update rates (and raw etcd writes as the ceiling).
void measureStorageAndRates(const std::string& backend, ApiserverProcess& server, pid_t etcd_pid,
                            orch::store::EtcdStore* raw_store, const Options& o, Report& report) {
  const auto& cfg = server.restConfig();
  const auto duration = std::chrono::milliseconds(o.seconds * 1000);
  auto meter = [&] { return meterOf(server, etcd_pid); };

  // A fresh server first holds exactly o.pods Pods: its RSS and LIST figures come before the
  // rate runs below add more.
  {
    CpuMeter cpu = meter();
    RateResult r = orch::bench::runCreates(cfg, 64, "fill", 0ms, o.pods);
    report.add({backend, "Pod create (fill " + std::to_string(o.pods) + ")", "64",
                fmt("%.0f/s", r.rate()), "", cpu.text(r.ops) + errorNote(r)});
  }
  const double rss_hold = rssMiB(server);
  report.add({backend, "RSS holding " + std::to_string(o.pods) + " Pods", "-",
              fmt("%.1f MiB", rss_hold),
              std::string("<100 MiB: ") + (rss_hold < 100 ? "met" : "MISSED"), ""});
  for (long limit : {0L, 500L}) {
    CpuMeter cpu = meter();
    auto t = orch::bench::listPods(cfg, limit);
    std::string what = limit == 0 ? "LIST /api/v1/pods" : "LIST /api/v1/pods?limit=500 (paged)";
    if (!t.ok()) {
      report.add({backend, what, "1", "error", "", t.status().message()});
      continue;
    }
    report.add({backend, what, "1", fmt("%.3f s", t->seconds), "",
                std::to_string(t->items) + " items, " + std::to_string(t->pages) + " pages, " +
                    fmt("%.1f MiB", static_cast<double>(t->bytes) / (1 << 20)) + "; " +
                    cpu.text()});
  }
  report.add({backend, "RSS after the LISTs", "-", fmt("%.1f MiB", rssMiB(server)), "", ""});

  double create64 = 0;
  for (int n : {1, 16, 64}) {
    CpuMeter cpu = meter();
    RateResult r = orch::bench::runCreates(cfg, n, "cr" + std::to_string(n), duration);
    std::string goal;
    if (n == 64) {
      create64 = r.rate();
      if (raw_store == nullptr) {
        goal = std::string(">=5000/s: ") + (r.rate() >= 5000 ? "met" : "MISSED");
      }
    }
    report.add({backend, "Pod create (POST)", std::to_string(n), fmt("%.0f/s", r.rate()), goal,
                cpu.text(r.ops) + errorNote(r)});
  }
  double get_cpu_per_op = 0;  // CPU seconds of the server and its clients (not the store's)
  {
    CpuMeter cpu = meter();
    RateResult r = orch::bench::runGets(cfg, 64, "/api/v1/namespaces/default", duration);
    const auto used = cpu.used();
    if (r.ops > 0) get_cpu_per_op = (used.server + used.bench) / static_cast<double>(r.ops);
    report.add({backend, "GET namespace (HTTPS+authn floor)", "64", fmt("%.0f/s", r.rate()), "",
                cpu.text(r.ops) + errorNote(r)});
  }
  if (raw_store != nullptr) {
    CpuMeter cpu = meter();
    RateResult put = rawWrites(*raw_store, 64, duration, false);
    report.add({backend, "raw etcd Put via EtcdStore (ceiling)", "64", fmt("%.0f/s", put.rate()),
                "", cpu.text() + errorNote(put)});
    CpuMeter cpu2 = meter();
    RateResult cas = rawWrites(*raw_store, 64, duration, true);
    const double cas_cpu_per_op =  // etcd's alone
        cas.ops > 0 ? cpu2.used().other / static_cast<double>(cas.ops) : 0;
    report.add({backend, "EtcdStore create (Txn CAS), no apiserver", "64",
                fmt("%.0f/s", cas.rate()), "", cpu2.text() + errorNote(cas)});
    const double ratio = put.rate() > 0 ? create64 / put.rate() : 0;
    report.add({backend, "apiserver create / raw Put", "64", fmt("%.2fx", ratio),
                std::string(">=0.5x: ") + (ratio >= 0.5 ? "met" : "MISSED"), ""});
    // What this machine allows at best: a create costs at least what a GET costs the server
    // and its client (HTTPS, authentication, routing, one gRPC call to etcd) plus what a bare
    // Txn costs etcd, and the apiserver, etcd and these clients share the same CPUs.
    const double floor_cpu = get_cpu_per_op + cas_cpu_per_op;
    if (floor_cpu > 0 && put.rate() > 0) {
      const double cpus = std::thread::hardware_concurrency();
      const double best = cpus / floor_cpu;
      report.add({backend, "ceiling of create / raw Put on these CPUs", "64",
                  fmt("%.2fx", best / put.rate()), "",
                  fmt("%.0f us CPU per GET (server and client) + ", 1e6 * get_cpu_per_op) +
                      fmt("%.0f us per bare Txn (etcd)", 1e6 * cas_cpu_per_op) + " on " +
                      fmt("%.0f CPUs", cpus) + fmt(": at most %.0f creates/s", best)});
    }
  }
  for (int n : {1, 16, 64}) {
    // The meter includes the n untimed creates inside runUpdates; negligible for a share.
    CpuMeter cpu = meter();
    RateResult r = orch::bench::runUpdates(cfg, n, "up" + std::to_string(n), duration);
    report.add({backend, "Pod update (PUT with resourceVersion)", std::to_string(n),
                fmt("%.0f/s", r.rate()), "", cpu.text(r.ops) + errorNote(r)});
  }
}

void runBackend(const std::string& backend, const std::string& etcd_endpoint,
                orch::store::EtcdStore* raw_store, const Options& o, Report& report) {
  auto srv = ApiserverProcess::start(o.apiserver, etcd_endpoint);
  if (!srv.ok()) {
    report.add({backend, "start orch-apiserver", "-", "error", "", srv.status().message()});
    return;
  }
  const auto& cfg = (*srv)->restConfig();
  const pid_t etcd_pid = etcd_endpoint.empty() ? -1 : orch::bench::findChild("etcd");

  if (!o.watch_only) measureStorageAndRates(backend, **srv, etcd_pid, raw_store, o, report);
  // The goal is the server's: it is judged with the readers that leave it the most of this
  // machine's two CPUs (event loops); a thread per watcher, as controllers read, is shown too.
  for (auto reading :
       {orch::bench::WatchReading::kEventLoops, orch::bench::WatchReading::kThreadEach}) {
    const bool loop = reading == orch::bench::WatchReading::kEventLoops;
    CpuMeter cpu = meterOf(**srv, etcd_pid);
    auto lat = orch::bench::measureWatchLatency(cfg, o.watchers, o.writes, reading);
    std::string who = std::to_string(lat.watchers) +
                      (loop ? " watchers, event loops" : " watchers, a thread each");
    std::string notes =
        std::to_string(lat.samples) + " deliveries, " + std::to_string(lat.missing) +
        " missing, connect+warm-up " + fmt("%.1f s", lat.connect_seconds) + ", server threads " +
        std::to_string((*srv)->threads()) + ", RSS " + fmt("%.0f MiB", rssMiB(**srv)) +
        "; first watcher p50 " + fmt("%.2f ms", lat.first_p50_ms) + ", first-to-last spread p50 " +
        fmt("%.2f ms", lat.spread_p50_ms) + "; create round trip p50 " +
        fmt("%.2f ms", lat.write_p50_ms) + ", max " + fmt("%.1f ms", lat.write_max_ms) + "; " +
        cpu.text(lat.samples) + " (per delivery)";
    if (!lat.error.empty()) notes += "; error: " + lat.error.substr(0, 160);
    std::string goal;
    if (loop)
      goal = std::string("<20 ms: ") + (lat.samples > 0 && lat.p99_ms < 20 ? "met" : "MISSED");
    report.add({backend, "watch delivery latency p50", who, fmt("%.2f ms", lat.p50_ms), "", ""});
    report.add({backend, "watch delivery latency p99", who, fmt("%.2f ms", lat.p99_ms), goal,
                "max " + fmt("%.1f ms", lat.max_ms) + "; " + notes});
  }
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  if (const char* env = std::getenv("ORCH_APISERVER")) o.apiserver = env;
  CLI::App app{"orch-apiserver benchmark (prints figures)"};
  app.add_option("--apiserver", o.apiserver, "orch-apiserver binary (default: $ORCH_APISERVER)");
  app.add_option("--seconds", o.seconds, "duration of each create/update measurement");
  app.add_option("--watchers", o.watchers, "concurrent watch streams");
  app.add_option("--writes", o.writes, "writes timed for watch latency");
  app.add_option("--pods", o.pods, "Pods held for the LIST and RSS figures");
  app.add_option("--backend", o.backend, "all, sqlite or etcd")
      ->check(CLI::IsMember({"all", "sqlite", "etcd"}));
  app.add_flag("--watch-only", o.watch_only, "only the watch latency figures");
  CLI11_PARSE(app, argc, argv);

  std::string cmd;
  for (int i = 0; i < argc; ++i) cmd += (i ? " " : "") + std::string(argv[i]);
  if (std::getenv("ORCH_APISERVER") != nullptr && o.apiserver == std::getenv("ORCH_APISERVER")) {
    cmd = "ORCH_APISERVER=" + o.apiserver + " " + cmd;
  }
  std::printf(
      "orch-apiserver benchmark: %d s per rate, %d watchers x %d writes, %ld Pods; load %s\n",
      o.seconds, o.watchers, o.writes, o.pods, orch::bench::loadAverage().c_str());
  Report report;
  if (o.backend != "etcd") runBackend("sqlite", "", nullptr, o, report);
  if (o.backend != "sqlite") {
    auto etcd = orch::store::testing::EtcdServer::start();
    if (!etcd.ok()) {
      std::printf("etcd backend SKIPPED: %s\n", etcd.status().message().c_str());
      report.add({"etcd", "SKIPPED", "-", "-", "", etcd.status().message()});
    } else {
      auto raw = orch::store::EtcdStore::open({.endpoints = {(*etcd)->endpoint()}});
      if (!raw.ok()) {
        report.add({"etcd", "EtcdStore open", "-", "error", "", raw.status().message()});
      } else {
        runBackend("etcd", "http://" + (*etcd)->endpoint(), raw->get(), o, report);
      }
    }
  }
  report.print(cmd);
  return 0;
}
