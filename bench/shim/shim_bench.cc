// orch-shim against containerd 1.6 + runc, side by side in one run, through CRI: for N pods in
// sequence (one busybox container `sleep 3600` each) the time of RunPodSandbox,
// CreateContainer, StartContainer, then with all N running the runtime's RSS, then the time of
// StopContainer (timeout 0) + RemoveContainer + StopPodSandbox + RemovePodSandbox per pod. The
// RSS idle is taken after start (images imported), before the first pod. Each runtime gets a
// fresh private node (bench_node.h): the same busybox image, our CNI plugins and the same
// conflist. Figures only: never passes or fails on time, but any failed CRI call makes the exit
// status 1 (after cleaning up). Root only.
//
//   meson test -C build --benchmark --verbose shim
//   build/bench/shim/bench_shim [--pods 50] [--runtime all|orch|containerd] [--keep-going]
//       [--shim build/runtime-shim/orch-shim] [--cni-bin-dir build/cni-plugins]
//       [--busybox-tar ...] [--pause-tar ...]
#include <signal.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <cstdio>
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

// Starts the pods, samples RSS, stops them. Returns false when the run stopped early.
bool measure(const Options& o, RuntimeProcess& rt, const BenchNode& node, PodCycle& cycle,
             RuntimeFigures& fig) {
  // Let start-up work (containerd's image events, orch-shim's GC) settle before the idle figure.
  std::this_thread::sleep_for(2s);
  fig.idle = sampleRss(rt.pid(), node.trackedPids(), rt.helperComm());
  progress(fig.label, "idle: " + rssText(fig.idle, rt.helperComm()));

  std::vector<std::pair<StartedPod, PodTimes>> running;
  for (int i = 0; i < o.pods && !g_interrupted; ++i) {
    PodTimes t;
    auto pod = cycle.start(i, t);
    if (!pod.ok()) {
      if (failed(fig, o, pod.status())) break;
      continue;
    }
    fig.started.push_back(t);
    running.emplace_back(std::move(*pod), t);
    if ((i + 1) % 10 == 0 || i + 1 == o.pods) {
      char buf[160];
      std::snprintf(buf, sizeof buf, "%d pods started; last: run %.1f create %.1f start %.1f ms",
                    i + 1, t.run, t.create, t.start);
      progress(fig.label, buf);
    }
  }
  bool complete = fig.errors.empty() && !g_interrupted;
  if (!running.empty() && !g_interrupted) {
    std::this_thread::sleep_for(1s);
    fig.loaded = sampleRss(rt.pid(), node.trackedPids(), rt.helperComm());
    fig.pods_running = static_cast<int>(running.size());
    progress(fig.label, "with " + std::to_string(running.size()) +
                            " pods: " + rssText(fig.loaded, rt.helperComm()));
  }
  for (auto& [pod, t] : running) {
    if (g_interrupted) break;
    Status st = cycle.stop(pod, t);
    if (!st.isOk()) {
      complete = false;
      if (failed(fig, o, st)) break;
      continue;
    }
    fig.stopped.push_back(t);
  }
  if (!running.empty()) {
    progress(fig.label, std::to_string(fig.stopped.size()) + " pods stopped and removed");
  }
  return complete && !g_interrupted;
}

// One runtime from start to cleanup. False when anything failed.
bool benchRuntime(RuntimeKind kind, const Options& o, RuntimeFigures& fig) {
  const bool orch = kind == RuntimeKind::kOrchShim;
  fig.label = orch ? "orch-shim" : "containerd";
  fig.helper = orch ? "orch-monitor" : "containerd-shim-runc-v2";
  auto node = BenchNode::create(orch ? "orch" : "containerd");
  if (!node.ok()) {
    failed(fig, o, node.status().withContext("set up the node"));
    return false;
  }
  progress(fig.label, "node: " + (*node)->dir() + ", netns " + (*node)->netnsPath());
  auto rt = RuntimeProcess::start(kind, **node, o.paths);
  if (!rt.ok()) {
    failed(fig, o, rt.status().withContext("start " + fig.label));
    return false;
  }
  fig.version = (*rt)->version();
  progress(fig.label,
           fig.version + " ready, pid " + std::to_string((*rt)->pid()) + ", " + (*rt)->endpoint());
  auto client = orch::cri::connectCri((*rt)->endpoint());
  if (!client.ok()) {
    failed(fig, o, client.status());
    return false;
  }
  PodCycle cycle(*client, **node, orch ? "orch" : "ctrd");
  fig.ran = true;
  bool ok = measure(o, **rt, **node, cycle, fig);
  // Whatever is left (a failed pod, an interrupted run) goes through CRI first.
  Status left = cycle.removeAll();
  if (!left.isOk()) {
    ok = false;
    fig.errors.push_back("cleanup through CRI: " + left.message());
    std::fprintf(stderr, "FAILED [%s] cleanup through CRI: %s\n", fig.label.c_str(),
                 left.message().c_str());
  }
  if (!ok)
    std::fprintf(stderr, "[%s] daemon log tail:\n%s\n", fig.label.c_str(),
                 (*rt)->logTail().c_str());
  Status stopped = (*rt)->stop();
  if (!stopped.isOk())
    std::fprintf(stderr, "[%s] stop: %s\n", fig.label.c_str(), stopped.message().c_str());
  // Helpers outlive a daemon only while they still have a pod; give them a moment to go.
  for (int i = 0; i < 50 && !(*node)->trackedPids().empty(); ++i)
    std::this_thread::sleep_for(100ms);
  node->reset();  // kills what is still left in the node's cgroups, removes the node
  rt->reset();
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
  bool ok = true;
  if (o.runtime != "containerd") ok = benchRuntime(RuntimeKind::kOrchShim, o, ours);
  if (o.runtime != "orch" && (ok || o.keep_going) && !g_interrupted) {
    ok = benchRuntime(RuntimeKind::kContainerd, o, theirs) && ok;
  }
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
