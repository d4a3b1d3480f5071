// orch-shim against containerd 1.6 + runc, side by side in one run, through CRI: for N pods in
// sequence, alternating between the two (one busybox container `sleep 3600` each), the time
// of RunPodSandbox, CreateContainer, StartContainer, then with all N running the runtime's
// RSS, then the time of StopContainer (timeout 0) + RemoveContainer + StopPodSandbox +
// RemovePodSandbox per pod. The RSS idle is taken after start (images imported), before the first
// pod. Each runtime gets a fresh private node (bench_node.h): the same busybox image, our CNI
// plugins and the same conflist. Figures only: never passes or fails on time, but any failed CRI
// call makes the exit status 1 (after cleaning up). Root only.
//
//   meson test -C build --benchmark --verbose shim
//   build/bench/shim/bench_shim [--pods 50] [--runtime all|orch|containerd] [--keep-going]
//       [--shim build/runtime-shim/orch-shim] [--cni-bin-dir build/cni-plugins]
//       [--busybox-tar ...] [--pause-tar ...]
#include <signal.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <cstdio>
#include <optional>
#include <thread>

#include "bench_node.h"
#include "pod_cycle.h"
#include "proc_rss.h"
#include "report.h"
#include "runtime_process.h"

using namespace std::chrono_literals;
using namespace orch::bench;
using orch::Result;
using orch::Status;

namespace {

struct Options {
  int pods = 50;
  std::string runtime = "all";
  bool keep_going = false;
  RuntimePaths paths{ORCH_SHIM_BIN, ORCH_CNI_BIN_DIR, ORCH_BUSYBOX_TAR, ORCH_PAUSE_TAR};
};

volatile sig_atomic_t g_interrupted = 0;
void onSignal(int) {
  g_interrupted = 1;
}

void progress(const std::string& label, const std::string& text) {
  std::printf("[%s] %s\n", label.c_str(), text.c_str());
  std::fflush(stdout);
}

std::string rssText(const RssSample& s, const std::string& helper) {
  char buf[160];
  std::snprintf(buf, sizeof buf, "VmRSS daemon %.1f MiB, +%d %s %.1f MiB = %.1f MiB (Pss %.1f MiB)",
                static_cast<double>(s.daemon.rss_kib) / 1024, s.helper_count, helper.c_str(),
                static_cast<double>(s.helpers.rss_kib) / 1024,
                static_cast<double>(s.total().rss_kib) / 1024,
                static_cast<double>(s.total().pss_kib) / 1024);
  return buf;
}

// Records a failure; true when the run must stop (no --keep-going, or interrupted).
bool failed(RuntimeFigures& fig, const Options& o, const Status& st) {
  std::fprintf(stderr, "FAILED [%s]: %s\n", fig.label.c_str(), st.message().c_str());
  fig.errors.push_back(st.message());
  return !o.keep_going || g_interrupted;
}

// One runtime under measurement: its private node, the daemon, a CRI client and its pods.
struct Side {
  RuntimeKind kind;
  RuntimeFigures* fig;
  std::unique_ptr<BenchNode> node;
  std::unique_ptr<RuntimeProcess> rt;
  std::optional<orch::cri::CriClient> client;
  std::optional<PodCycle> cycle;
  std::vector<std::pair<StartedPod, PodTimes>> running;
  bool stopped = false;  // a failure ended this side's run
};

// Node, daemon and client of one side. False (recorded) when any fails.
bool setUp(Side& side, const Options& o) {
  RuntimeFigures& fig = *side.fig;
  const bool orch = side.kind == RuntimeKind::kOrchShim;
  fig.label = orch ? "orch-shim" : "containerd";
  fig.helper = orch ? "orch-monitor" : "containerd-shim-runc-v2";
  auto node = BenchNode::create(orch ? "orch" : "containerd");
  if (!node.ok()) {
    failed(fig, o, node.status().withContext("set up the node"));
    return false;
  }
  side.node = std::move(node).value();
  progress(fig.label, "node: " + side.node->dir() + ", netns " + side.node->netnsPath());
  auto rt = RuntimeProcess::start(side.kind, *side.node, o.paths);
  if (!rt.ok()) {
    failed(fig, o, rt.status().withContext("start " + fig.label));
    return false;
  }
  side.rt = std::move(rt).value();
  fig.version = side.rt->version();
  progress(fig.label, fig.version + " ready, pid " + std::to_string(side.rt->pid()) + ", " +
                          side.rt->endpoint());
  auto client = orch::cri::connectCri(side.rt->endpoint());
  if (!client.ok()) {
    failed(fig, o, client.status());
    return false;
  }
  side.client.emplace(std::move(client).value());
  side.cycle.emplace(*side.client, *side.node, orch ? "orch" : "ctrd");
  fig.ran = true;
  return true;
}

// A failure of one side's CRI call: recorded; the side stops unless --keep-going.
void sideFailed(Side& side, const Options& o, const Status& st) {
  if (failed(*side.fig, o, st)) side.stopped = true;
}

// Starts the pods, samples RSS, stops them — pod by pod alternating between the sides, so
// that both see the same machine (its speed drifts over a run; a ratio of two runs taken
// minutes apart drifts with it).
void measure(const Options& o, std::vector<Side*>& sides) {
  // Let start-up work (containerd's image events, orch-shim's GC) settle before the idle figure.
  std::this_thread::sleep_for(2s);
  for (Side* side : sides) {
    side->fig->idle = sampleRss(side->rt->pid(), side->node->trackedPids(), side->rt->helperComm());
    progress(side->fig->label, "idle: " + rssText(side->fig->idle, side->rt->helperComm()));
  }
  for (int i = 0; i < o.pods && !g_interrupted; ++i) {
    for (Side* side : sides) {
      if (side->stopped) continue;
      PodTimes t;
      auto pod = side->cycle->start(i, t);
      if (!pod.ok()) {
        sideFailed(*side, o, pod.status());
        continue;
      }
      side->fig->started.push_back(t);
      side->running.emplace_back(std::move(*pod), t);
      if ((i + 1) % 10 == 0 || i + 1 == o.pods) {
        char buf[160];
        std::snprintf(buf, sizeof buf, "%d pods started; last: run %.1f create %.1f start %.1f ms",
                      i + 1, t.run, t.create, t.start);
        progress(side->fig->label, buf);
      }
    }
  }
  if (g_interrupted) return;
  std::this_thread::sleep_for(1s);
  for (Side* side : sides) {
    if (side->running.empty()) continue;
    RuntimeFigures& fig = *side->fig;
    fig.loaded = sampleRss(side->rt->pid(), side->node->trackedPids(), side->rt->helperComm());
    fig.pods_running = static_cast<int>(side->running.size());
    progress(fig.label, "with " + std::to_string(side->running.size()) +
                            " pods: " + rssText(fig.loaded, side->rt->helperComm()));
  }
  size_t most = 0;
  for (Side* side : sides) most = std::max(most, side->running.size());
  for (size_t i = 0; i < most && !g_interrupted; ++i) {
    for (Side* side : sides) {
      if (side->stopped || i >= side->running.size()) continue;
      auto& [pod, t] = side->running[i];
      Status st = side->cycle->stop(pod, t);
      if (!st.isOk()) {
        sideFailed(*side, o, st);
        continue;
      }
      side->fig->stopped.push_back(t);
    }
  }
  for (Side* side : sides) {
    if (!side->running.empty())
      progress(side->fig->label,
               std::to_string(side->fig->stopped.size()) + " pods stopped and removed");
  }
}

// Cleanup of one side, whatever happened: the pods through CRI, the daemon, the node.
// False when anything of this side failed.
bool tearDown(Side& side) {
  RuntimeFigures& fig = *side.fig;
  bool ok = fig.errors.empty() && !g_interrupted;
  if (side.cycle) {
    // Whatever is left (a failed pod, an interrupted run) goes through CRI first.
    Status left = side.cycle->removeAll();
    if (!left.isOk()) {
      ok = false;
      fig.errors.push_back("cleanup through CRI: " + left.message());
      std::fprintf(stderr, "FAILED [%s] cleanup through CRI: %s\n", fig.label.c_str(),
                   left.message().c_str());
    }
  }
  side.cycle.reset();
  side.client.reset();
  if (side.rt) {
    if (!ok)
      std::fprintf(stderr, "[%s] daemon log tail:\n%s\n", fig.label.c_str(),
                   side.rt->logTail().c_str());
    Status stopped = side.rt->stop();
    if (!stopped.isOk())
      std::fprintf(stderr, "[%s] stop: %s\n", fig.label.c_str(), stopped.message().c_str());
  }
  // Helpers outlive a daemon only while they still have a pod; give them a moment to go.
  for (int i = 0; side.node && i < 50 && !side.node->trackedPids().empty(); ++i)
    std::this_thread::sleep_for(100ms);
  side.node.reset();  // kills what is still left in the node's cgroups, removes the node
  side.rt.reset();
  return ok;
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  CLI::App app{"orch-shim vs containerd + runc through CRI (prints figures; needs root)"};
  app.add_option("--pods", o.pods, "pods started in sequence (and then running together)")
      ->check(CLI::Range(1, 500));
  app.add_option("--runtime", o.runtime, "all, orch or containerd")
      ->check(CLI::IsMember({"all", "orch", "containerd"}));
  app.add_flag("--keep-going", o.keep_going,
               "after a failed CRI call, leave that pod out and go on (exit status stays 1)");
  app.add_option("--shim", o.paths.shim_bin, "orch-shim (orch-monitor, orch-pause next to it)");
  app.add_option("--cni-bin-dir", o.paths.cni_bin_dir, "our CNI plugins");
  app.add_option("--busybox-tar", o.paths.busybox_tar, "busybox image archive");
  app.add_option("--pause-tar", o.paths.pause_tar, "pause image archive (for containerd)");
  CLI11_PARSE(app, argc, argv);

  if (::geteuid() != 0) {
    std::fprintf(stderr,
                 "bench_shim must run as root: it makes network namespaces and cgroups and runs "
                 "orch-shim and containerd\n");
    return 1;
  }
  struct sigaction sa {};
  sa.sa_handler = onSignal;
  ::sigaction(SIGINT, &sa, nullptr);
  ::sigaction(SIGTERM, &sa, nullptr);

  std::string cmd;
  for (int i = 0; i < argc; ++i) cmd += (i ? " " : "") + std::string(argv[i]);
  ReportContext ctx{.command = cmd, .load_start = loadAverage()};
  ctx.setup = std::to_string(o.pods) + " pods in sequence, each one " + kBusyboxImage +
              " container `sleep 3600`; all running at the RSS sample, then stopped one by one" +
              "\nCNI: bridge orchbench0 + host-local 10.245.0.0/16 from " + o.paths.cni_bin_dir +
              ", same conflist, each runtime in its own node netns" +
              "\nStop+Remove = StopContainer(timeout 0) + RemoveContainer + StopPodSandbox + "
              "RemovePodSandbox, for both; times are the RPCs as the client sees them";

  RuntimeFigures ours, theirs;
  Side orch_side{.kind = RuntimeKind::kOrchShim, .fig = &ours};
  Side ctrd_side{.kind = RuntimeKind::kContainerd, .fig = &theirs};
  std::vector<Side*> sides;
  if (o.runtime != "containerd") sides.push_back(&orch_side);
  if (o.runtime != "orch") sides.push_back(&ctrd_side);
  bool ok = true;
  for (Side* side : sides) ok = !g_interrupted && setUp(*side, o) && ok;
  std::vector<Side*> ready;
  for (Side* side : sides)
    if (side->fig->ran) ready.push_back(side);
  if ((ok || o.keep_going) && !ready.empty() && !g_interrupted) measure(o, ready);
  for (Side* side : sides) ok = tearDown(*side) && ok;
  ctx.load_end = loadAverage();
  printReport(ctx, o.runtime != "containerd" ? &ours : nullptr,
              o.runtime != "orch" ? &theirs : nullptr);
  if (g_interrupted) {
    std::fprintf(stderr, "interrupted\n");
    return 1;
  }
  if (!ok) std::fprintf(stderr, "bench_shim: FAILED (see the errors above)\n");
  return ok ? 0 : 1;
}
