// bench/cni: ADD and DEL per pod for 100 pods, orch's plugins against the reference plugins
// (/usr/lib/cni, Debian containernetworking-plugins) in the same harness: each plugin is run
// as a runtime runs it (fork/exec, CNI_* environment, config on stdin), one pod after the
// other. Prints milliseconds per operation and ours/reference. Needs root for loopback (it
// makes a private network namespace and removes it).
//
// Run: meson test -C build --benchmark cni   (or build/bench/cni/bench_cni [pods])
#include <sys/resource.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <string>

#include "common/netlink/netns.h"
#include "support/temp_dir.h"
#include "tests/integration/cni/plugin_runner.h"

namespace {

using nlohmann::json;
using orch::testing::PluginCall;
using orch::testing::runPlugin;
using Clock = std::chrono::steady_clock;

struct Figures {
  double add_ms = 0, del_ms = 0;          // wall clock per operation
  double add_cpu_ms = 0, del_cpu_ms = 0;  // the plugin's user + system CPU per operation
  int failures = 0;
};

double childCpuMs() {
  rusage ru{};
  getrusage(RUSAGE_CHILDREN, &ru);
  auto ms = [](const timeval& t) { return t.tv_sec * 1e3 + t.tv_usec / 1e3; };
  return ms(ru.ru_utime) + ms(ru.ru_stime);
}

Figures measure(const std::string& bin, const std::string& config, const std::string& netns,
                const std::string& ifname, int pods) {
  Figures f;
  auto phase = [&](const char* cmd, double* cpu) {
    double c0 = childCpuMs();
    auto t0 = Clock::now();
    for (int i = 0; i < pods; ++i) {
      PluginCall c;
      c.command = cmd;
      c.container_id = "bench-pod-" + std::to_string(i);
      c.netns = netns;
      c.ifname = ifname;
      if (runPlugin(bin, c, config).exit_code != 0) ++f.failures;
    }
    *cpu = (childCpuMs() - c0) / pods;
    return std::chrono::duration<double, std::milli>(Clock::now() - t0).count() / pods;
  };
  f.add_ms = phase("ADD", &f.add_cpu_ms);
  f.del_ms = phase("DEL", &f.del_cpu_ms);
  return f;
}

void report(const char* plugin, const Figures& ours, const Figures& ref) {
  auto line = [&](const char* verb, double o, double r, double oc, double rc) {
    std::printf(
        "%-11s %s  wall: ours %7.3f ms/op  reference %7.3f ms/op  ratio %.3f   "
        "cpu: ours %6.3f ms/op  reference %6.3f ms/op  ratio %.3f\n",
        plugin, verb, o, r, o / r, oc, rc, rc > 0 ? oc / rc : 0.0);
  };
  line("ADD", ours.add_ms, ref.add_ms, ours.add_cpu_ms, ref.add_cpu_ms);
  line("DEL", ours.del_ms, ref.del_ms, ours.del_cpu_ms, ref.del_cpu_ms);
  if (ours.failures || ref.failures) {
    std::printf("%-11s FAILED calls: ours %d, reference %d\n", plugin, ours.failures, ref.failures);
  }
}

}  // namespace

int main(int argc, char** argv) {
  int pods = argc > 1 ? std::atoi(argv[1]) : 100;
  const std::string ours_dir = ORCH_CNI_BIN_DIR;
  const std::string ref_dir = "/usr/lib/cni";
  std::printf("bench/cni: %d pods, ADD then DEL each, sequential; command: %s %d\n", pods, argv[0],
              pods);

  orch::testing::TempDir tmp;
  auto hostLocalConf = [&](const std::string& data_dir) {
    return json{{"cniVersion", "1.0.0"},
                {"name", "benchnet"},
                {"type", "host-local"},
                {"ipam",
                 {{"type", "host-local"},
                  {"dataDir", data_dir},
                  {"ranges", json::array({json::array({{{"subnet", "10.250.0.0/16"}}})})}}}}
        .dump();
  };
  Figures ref_hl = measure(ref_dir + "/host-local", hostLocalConf(tmp.path() + "/ref"),
                           "/run/netns/none", "eth0", pods);
  Figures ours_hl = measure(ours_dir + "/host-local", hostLocalConf(tmp.path() + "/ours"),
                            "/run/netns/none", "eth0", pods);
  report("host-local", ours_hl, ref_hl);

  if (::geteuid() != 0) {
    std::printf("loopback    skipped: needs root to create a network namespace\n");
    return 0;
  }
  std::string name = "orch-bench-cni-" + std::to_string(getpid());
  auto ns = orch::netlink::NetNs::create(name);
  if (!ns.ok()) {
    std::printf("loopback    skipped: %s\n", ns.status().message().c_str());
    return 0;
  }
  std::string lo_conf = R"({"cniVersion":"1.0.0","name":"lo","type":"loopback"})";
  Figures ref_lo = measure(ref_dir + "/loopback", lo_conf, "/run/netns/" + name, "lo", pods);
  Figures ours_lo = measure(ours_dir + "/loopback", lo_conf, "/run/netns/" + name, "lo", pods);
  report("loopback", ours_lo, ref_lo);
  (void)orch::netlink::NetNs::remove(name);
  return 0;
}
