#pragma once
// The figures of one runtime's run and the side-by-side table: per phase median and p90 over
// the pods, per-pod totals, VmRSS idle and with the pods running (daemon alone and with its
// helpers; with the pods also RssAnon and Pss of the sum), and ours / containerd ratios,
// against the goals of issue 5 (pod start and VmRSS at most 0.3x containerd's). Printing only;
// not thread-safe.

#include <string>
#include <vector>

#include "pod_cycle.h"
#include "proc_rss.h"

namespace orch::bench {

struct RuntimeFigures {
  std::string label;              // "orch-shim", "containerd"
  std::string version;            // as the runtime reports it
  std::string helper;             // "orch-monitor", "containerd-shim-runc-v2"
  bool ran = false;               // measured at all
  std::vector<PodTimes> started;  // pods whose start phases all succeeded
  std::vector<PodTimes> stopped;  // pods whose stop phases all succeeded
  RssSample idle, loaded;
  int pods_running = 0;  // when `loaded` was sampled
  std::vector<std::string> errors;
};

struct PhaseStats {
  int n = 0;
  double median = 0, p90 = 0;  // linear interpolation between order statistics
};
PhaseStats phaseStats(std::vector<double> values);

struct ReportContext {
  std::string command;  // the exact command line
  std::string setup;    // what ran: pods, image, CNI, the Stop+Remove calls
  std::string load_start, load_end;
};

// Prints the table: `ours` (orch-shim) and `theirs` (containerd); either may be null or not
// have run, its columns then show "-".
void printReport(const ReportContext& ctx, const RuntimeFigures* ours,
                 const RuntimeFigures* theirs);

// The first three fields of /proc/loadavg.
std::string loadAverage();

}  // namespace orch::bench
