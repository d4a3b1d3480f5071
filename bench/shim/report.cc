#include "report.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <functional>

namespace orch::bench {

namespace {

using Pick = std::function<double(const PodTimes&)>;

std::string fmt(const char* format, double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, format, v);
  return buf;
}

PhaseStats statsOf(const RuntimeFigures* f, bool stop_phase, const Pick& pick) {
  if (f == nullptr || !f->ran) return {};
  std::vector<double> v;
  for (const PodTimes& t : stop_phase ? f->stopped : f->started) v.push_back(pick(t));
  return phaseStats(std::move(v));
}

std::string cell(const PhaseStats& s, bool p90) {
  if (s.n == 0) return "-";
  return fmt("%.1f", p90 ? s.p90 : s.median);
}

std::string ratio(double ours, double theirs) {
  if (ours <= 0 || theirs <= 0) return "-";
  return fmt("%.2fx", ours / theirs);
}

std::string goal(double ours, double theirs, double limit) {
  if (ours <= 0 || theirs <= 0) return "";
  return fmt("goal <=%.1fx: ", limit) + (ours / theirs <= limit ? "met" : "MISSED");
}

void phaseRow(const std::string& what, const RuntimeFigures* ours, const RuntimeFigures* theirs,
              bool stop_phase, const Pick& pick, double goal_limit = 0) {
  PhaseStats a = statsOf(ours, stop_phase, pick), b = statsOf(theirs, stop_phase, pick);
  std::printf("%-34s %9s %9s   %9s %9s   %9s  %s\n", what.c_str(), cell(a, false).c_str(),
              cell(a, true).c_str(), cell(b, false).c_str(), cell(b, true).c_str(),
              ratio(a.median, b.median).c_str(),
              goal_limit > 0 ? goal(a.median, b.median, goal_limit).c_str() : "");
}

std::string mib(long kib) {
  return fmt("%.1f", static_cast<double>(kib) / 1024);
}

void rssRow(const std::string& what, const RuntimeFigures* ours, const RuntimeFigures* theirs,
            const std::function<long(const RuntimeFigures&)>& pick, double goal_limit = 0) {
  long a = ours != nullptr && ours->ran ? pick(*ours) : 0;
  long b = theirs != nullptr && theirs->ran ? pick(*theirs) : 0;
  std::printf(
      "%-46s %12s %12s   %9s  %s\n", what.c_str(), a > 0 ? mib(a).c_str() : "-",
      b > 0 ? mib(b).c_str() : "-", ratio(static_cast<double>(a), static_cast<double>(b)).c_str(),
      goal_limit > 0 ? goal(static_cast<double>(a), static_cast<double>(b), goal_limit).c_str()
                     : "");
}

std::string helpersNote(const RuntimeFigures* f, const RssSample& s) {
  if (f == nullptr || !f->ran) return "-";
  std::string out = std::to_string(s.helper_count) + " " + f->helper;
  if (s.others > 0) {
    out += " (+" + std::to_string(s.others) + " other, " + mib(s.others_kib) + " MiB, not counted)";
  }
  return out;
}

}  // namespace

PhaseStats phaseStats(std::vector<double> v) {
  PhaseStats s;
  s.n = static_cast<int>(v.size());
  if (v.empty()) return s;
  std::sort(v.begin(), v.end());
  auto quantile = [&](double q) {
    double pos = q * static_cast<double>(v.size() - 1);
    size_t lo = static_cast<size_t>(std::floor(pos));
    size_t hi = std::min(lo + 1, v.size() - 1);
    return v[lo] + (v[hi] - v[lo]) * (pos - static_cast<double>(lo));
  };
  s.median = quantile(0.5);
  s.p90 = quantile(0.9);
  return s;
}

void printReport(const ReportContext& ctx, const RuntimeFigures* ours,
                 const RuntimeFigures* theirs) {
  auto name = [](const RuntimeFigures* f, const char* fallback) {
    return f != nullptr && f->ran ? f->version : std::string(fallback) + " (not run)";
  };
  std::printf("\n== orch-shim vs containerd: pod lifecycle through CRI ==\n");
  std::printf("reproduce: %s\n", ctx.command.c_str());
  std::printf("ours:   %s\n", name(ours, "orch-shim").c_str());
  std::printf("theirs: %s\n", name(theirs, "containerd").c_str());
  std::printf("%s\n", ctx.setup.c_str());
  std::printf("load average: %s at the start, %s at the end\n\n", ctx.load_start.c_str(),
              ctx.load_end.c_str());

  auto count = [](const RuntimeFigures* f, bool stop) {
    return f == nullptr || !f->ran ? std::string("-")
                                   : std::to_string((stop ? f->stopped : f->started).size());
  };
  std::printf("pods measured: orch-shim %s started / %s stopped; containerd %s / %s\n",
              count(ours, false).c_str(), count(ours, true).c_str(), count(theirs, false).c_str(),
              count(theirs, true).c_str());
  std::printf("%-34s %9s %9s   %9s %9s   %9s\n", "phase (ms per pod)", "orch p50", "orch p90",
              "ctrd p50", "ctrd p90", "ours/ctrd");
  phaseRow("RunPodSandbox", ours, theirs, false, [](const PodTimes& t) { return t.run; });
  phaseRow("CreateContainer", ours, theirs, false, [](const PodTimes& t) { return t.create; });
  phaseRow("StartContainer", ours, theirs, false, [](const PodTimes& t) { return t.start; });
  phaseRow(
      "pod start (Run+Create+Start)", ours, theirs, false,
      [](const PodTimes& t) { return t.podStart(); }, 0.3);
  phaseRow("Stop+Remove (4 calls)", ours, theirs, true,
           [](const PodTimes& t) { return t.stopRemove(); });
  phaseRow("  StopContainer (timeout 0)", ours, theirs, true,
           [](const PodTimes& t) { return t.stop_container; });
  phaseRow("  RemoveContainer", ours, theirs, true,
           [](const PodTimes& t) { return t.remove_container; });
  phaseRow("  StopPodSandbox", ours, theirs, true, [](const PodTimes& t) { return t.stop_pod; });
  phaseRow("  RemovePodSandbox", ours, theirs, true,
           [](const PodTimes& t) { return t.remove_pod; });
  phaseRow("total per pod (start + stop)", ours, theirs, true,
           [](const PodTimes& t) { return t.total(); });

  const int running = std::max(ours != nullptr ? ours->pods_running : 0,
                               theirs != nullptr ? theirs->pods_running : 0);
  const std::string with = "with " + std::to_string(running) + " pods: ";
  std::printf("\n%-46s %12s %12s   %9s\n", "memory (MiB)", "orch-shim", "containerd", "ours/ctrd");
  using M = std::function<long(const RuntimeFigures&)>;
  rssRow("VmRSS idle: daemon alone", ours, theirs,
         M([](const RuntimeFigures& f) { return f.idle.daemon.rss_kib; }));
  rssRow("VmRSS idle: daemon + helpers", ours, theirs,
         M([](const RuntimeFigures& f) { return f.idle.total().rss_kib; }));
  rssRow("VmRSS " + with + "daemon alone", ours, theirs,
         M([](const RuntimeFigures& f) { return f.loaded.daemon.rss_kib; }));
  rssRow("VmRSS " + with + "daemon + helpers", ours, theirs,
         M([](const RuntimeFigures& f) { return f.loaded.total().rss_kib; }), 0.3);
  rssRow("  RssAnon " + with + "daemon + helpers", ours, theirs,
         M([](const RuntimeFigures& f) { return f.loaded.total().anon_kib; }));
  rssRow("  Pss " + with + "daemon + helpers", ours, theirs,
         M([](const RuntimeFigures& f) { return f.loaded.total().pss_kib; }));
  std::printf("helpers with the pods running: orch-shim %s; containerd %s\n",
              helpersNote(ours, ours != nullptr ? ours->loaded : RssSample{}).c_str(),
              helpersNote(theirs, theirs != nullptr ? theirs->loaded : RssSample{}).c_str());
  for (const RuntimeFigures* f : {ours, theirs}) {
    if (f == nullptr) continue;
    for (const std::string& e : f->errors)
      std::printf("ERROR %s: %s\n", f->label.c_str(), e.c_str());
  }
  std::fflush(stdout);
}

std::string loadAverage() {
  std::ifstream in("/proc/loadavg");
  std::string a, b, c;
  in >> a >> b >> c;
  return a + " " + b + " " + c;
}

}  // namespace orch::bench
