// orch-agent's pod start latency and memory, through a real orch-apiserver, with orch-shim and
// with containerd 1.6 + runc as the CRI runtime. Per runtime, on a fresh private node
// (bench/shim's BenchNode: network namespace with a dead-end uplink, our CNI plugins, busybox
// imported): the apiserver and the agent start in the node's namespace, then
//   - one by one: N1 pods, each created once the previous one runs;
//   - burst: N2 pods created back to back;
// each pod's latency is from sending its create to a watch showing it Running. The agent's
// VmRSS / Pss is sampled idle (Node Ready, no pods) and with the burst's pods running.
// Figures only: never passes or fails on time; a failed step makes the exit status 1.
// Root only.
//
//   meson test -C build --benchmark --verbose agent
//   build/bench/agent/bench_agent [--pods 100] [--one-by-one 100] [--runtime all|orch|containerd]
#include <signal.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <cstdio>
#include <thread>

#include "bench/shim/bench_node.h"
#include "bench/shim/proc_rss.h"
#include "bench/shim/runtime_process.h"
#include "common/base/process.h"
#include "common/netlink/netns.h"
#include "pod_latency.h"
#include "tests/support/daemon.h"

using namespace std::chrono_literals;
using namespace orch::bench;
using orch::Result;
using orch::Status;

namespace {

struct Options {
  int pods = 100;
  int one_by_one = 100;  // per-pod start latency over as many pods as the burst
  std::string runtime = "all";
  std::string logs_dir;  // copy the daemons' logs here before the node is removed
  RuntimePaths paths{ORCH_SHIM_BIN, ORCH_CNI_BIN_DIR, ORCH_BUSYBOX_TAR, ORCH_PAUSE_TAR};
};

struct Figures {
  std::string label, version;
  LatencyRun latency;
  Memory idle, loaded;
};

constexpr const char* kNodeName = "bench-node";

Result<orch::testing::Daemon> startInNode(const BenchNode& node, std::vector<std::string> argv,
                                          const std::string& log) {
  argv.insert(argv.begin(), {"nsenter", "--net=" + node.netnsPath()});
  return orch::testing::Daemon::start(std::move(argv), node.dir() + "/" + log);
}

Result<Figures> runOne(RuntimeKind kind, const Options& o) {
  Figures fig;
  fig.label = kind == RuntimeKind::kOrchShim ? "orch-shim" : "containerd";
  ORCH_ASSIGN_OR_RETURN(auto node, BenchNode::create("agent-" + fig.label));
  ORCH_ASSIGN_OR_RETURN(auto runtime, RuntimeProcess::start(kind, *node, o.paths));
  fig.version = runtime->version();
  const std::string pki = node->dir() + "/pki";
  ORCH_ASSIGN_OR_RETURN(auto init,
                        orch::runProcess({.argv = {ORCH_APISERVER_BIN, "init", "--pki-dir", pki},
                                          .pipe_stdout = true,
                                          .pipe_stderr = true},
                                         "", 60s));
  if (init.exit_code != 0) return Status::error(ECHILD, "orch-apiserver init: " + init.err);
  ORCH_ASSIGN_OR_RETURN(auto apiserver,
                        startInNode(*node,
                                    {ORCH_APISERVER_BIN, "--pki-dir", pki, "--bind-address",
                                     "127.0.0.1", "--data-dir", node->dir() + "/apiserver"},
                                    "apiserver.log"));
  ORCH_ASSIGN_OR_RETURN(auto ns, orch::netlink::NetNs::openPath(node->netnsPath()));
  ORCH_RETURN_IF_ERROR(ns.run([] { return orch::testing::waitForTcpPort(6443, 30s); }));
  ORCH_ASSIGN_OR_RETURN(
      auto agent,
      startInNode(*node,
                  {ORCH_AGENT_BIN, "--kubeconfig", pki + "/admin.kubeconfig",
                   "--container-runtime-endpoint", runtime->endpoint(), "--root-dir",
                   node->dir() + "/agent", "--pod-logs-dir", node->dir() + "/pod-logs",
                   "--hostname-override", kNodeName, "--node-ip", "192.0.2.1", "--cgroup-root",
                   node->cgroupBase() + "/kubepods", "--max-pods", std::to_string(o.pods + 10)},
                  "agent.log"));

  LatencyPlan plan{.kubeconfig = pki + "/admin.kubeconfig",
                   .node_name = kNodeName,
                   .burst_pods = o.pods,
                   .one_by_one_pods = o.one_by_one};
  plan.when_idle = [&] {
    std::this_thread::sleep_for(3s);  // start-up allocations settle
    fig.idle = processMemory(agent.pid());
  };
  plan.with_pods_running = [&] { fig.loaded = processMemory(agent.pid()); };
  auto run = ns.run([&] { return measurePodLatency(plan); });
  (void)agent.stop(10s);
  (void)apiserver.stop(10s);
  ORCH_RETURN_IF_ERROR(runtime->stop());
  if (!o.logs_dir.empty()) {
    for (const std::string log : {"agent.log", "apiserver.log"})
      (void)orch::runProcess(
          {.argv = {"cp", node->dir() + "/" + log, o.logs_dir + "/" + fig.label + "-" + log}}, "",
          10s);
  }
  if (!run.ok()) return run.status().withContext(fig.label);
  fig.latency = std::move(*run);
  return fig;
}

void printFigures(const std::vector<Figures>& all, const Options& o) {
  std::printf("\n== orch-agent: pod create -> Running (ms, through orch-apiserver's watch) ==\n");
  std::printf("%-12s %-20s %9s %9s %9s\n", "runtime", "phase", "p50", "p99", "max");
  for (const auto& f : all) {
    auto row = [&](const char* phase, const std::vector<double>& v) {
      std::printf("%-12s %-20s %9.0f %9.0f %9.0f\n", f.label.c_str(), phase, quantile(v, 0.5),
                  quantile(v, 0.99), quantile(v, 1.0));
    };
    row(("one by one x" + std::to_string(o.one_by_one)).c_str(), f.latency.one_by_one_ms);
    row(("burst x" + std::to_string(o.pods)).c_str(), f.latency.burst_ms);
    std::printf("%-12s burst: first create to last Running %.0f ms; delete all %.0f ms\n",
                f.label.c_str(), f.latency.burst_wall_ms, f.latency.delete_all_ms);
  }
  std::printf("\n== orch-agent memory (MiB; %d pods running for 'pods') ==\n", o.pods);
  std::printf("%-12s %11s %11s %11s %11s %11s %11s\n", "runtime", "VmRSS idle", "anon idle",
              "Pss idle", "VmRSS pods", "anon pods", "Pss pods");
  for (const auto& f : all) {
    std::printf("%-12s %11.1f %11.1f %11.1f %11.1f %11.1f %11.1f\n", f.label.c_str(),
                f.idle.rss_kib / 1024.0, f.idle.anon_kib / 1024.0, f.idle.pss_kib / 1024.0,
                f.loaded.rss_kib / 1024.0, f.loaded.anon_kib / 1024.0, f.loaded.pss_kib / 1024.0);
  }
  for (const auto& f : all) std::printf("%s: %s\n", f.label.c_str(), f.version.c_str());
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  CLI::App app{"orch-agent pod start latency and RSS, with orch-shim and containerd (root)"};
  app.add_option("--pods", o.pods, "pods in the burst (and running for the RSS figure)");
  app.add_option("--one-by-one", o.one_by_one, "pods created one after another");
  app.add_option("--runtime", o.runtime, "all, orch or containerd")
      ->check(CLI::IsMember({"all", "orch", "containerd"}));
  app.add_option("--logs-dir", o.logs_dir, "keep the agent's and apiserver's logs here");
  CLI11_PARSE(app, argc, argv);
  if (::geteuid() != 0) {
    std::fprintf(stderr, "bench_agent needs root (namespaces, cgroups, CRI runtimes)\n");
    return 1;
  }
  std::vector<Figures> all;
  int rc = 0;
  for (RuntimeKind kind : {RuntimeKind::kOrchShim, RuntimeKind::kContainerd}) {
    if (o.runtime == "orch" && kind != RuntimeKind::kOrchShim) continue;
    if (o.runtime == "containerd" && kind != RuntimeKind::kContainerd) continue;
    auto fig = runOne(kind, o);
    if (!fig.ok()) {
      std::fprintf(stderr, "bench_agent: %s\n", fig.status().message().c_str());
      rc = 1;
      continue;
    }
    all.push_back(std::move(*fig));
  }
  printFigures(all, o);
  return rc;
}
