// bench/cni: ADD and DEL per pod for 100 pods, orch's plugins against the reference plugins
// (/usr/lib/cni, Debian containernetworking-plugins) in the same harness: each plugin is run
// as a runtime runs it (fork/exec, CNI_* environment, config on stdin), one pod after the
// other: host-local alone, loopback, and bridge with host-local (a pod's whole network, in a
// private node namespace with a namespace per pod). Prints milliseconds per operation and
// ours/reference. Needs root for loopback and bridge (it makes the namespaces and removes them).
//
// Run: meson test -C build --benchmark cni   (or build/bench/cni/bench_cni [pods])
#include <sys/resource.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include "common/netlink/netlink.h"
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

// Runs ADD for pods 0..pods-1, then DEL for each; pod i's network namespace is netns(i).
Figures measure(const std::string& bin, const std::string& config,
                const std::function<std::string(int)>& netns, const std::string& ifname, int pods,
                const std::string& cni_path = "") {
  Figures f;
  auto phase = [&](const char* cmd, double* cpu) {
    double c0 = childCpuMs();
    auto t0 = Clock::now();
    for (int i = 0; i < pods; ++i) {
      PluginCall c;
      c.command = cmd;
      c.container_id = "bench-pod-" + std::to_string(i);
      c.netns = netns(i);
      c.ifname = ifname;
      if (!cni_path.empty()) c.path = cni_path;
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

// The kernel's share of a bridge ADD / DEL, with no plugin at all: a veth pair made from the
// node namespace with its peer in the pod's, then deleted from the pod's side, over one netlink
// socket per namespace. No plugin can be faster than this.
void kernelFloor(const orch::netlink::NetNs& node, const std::vector<std::string>& pods) {
  using orch::netlink::Netlink;
  using orch::netlink::NetNs;
  double create_ms = 0, delete_ms = 0;
  int failures = 0;
  (void)node.run([&]() -> orch::Status {
    auto host = Netlink::open();
    if (!host.ok()) return host.status();
    for (size_t i = 0; i < pods.size(); ++i) {
      auto ns = NetNs::openName(pods[i]);
      if (!ns.ok()) return ns.status();
      auto in_pod = Netlink::openIn(*ns);
      if (!in_pod.ok()) return in_pod.status();
      auto t0 = Clock::now();
      if (!host->createVeth({.name = "orchk" + std::to_string(i),
                             .peer_name = "eth0",
                             .peer_netns_fd = ns->fd()})
               .isOk())
        ++failures;
      auto t1 = Clock::now();
      if (!in_pod->deleteLink("eth0").isOk()) ++failures;
      create_ms += std::chrono::duration<double, std::milli>(t1 - t0).count();
      delete_ms += std::chrono::duration<double, std::milli>(Clock::now() - t1).count();
    }
    return orch::Status::ok();
  });
  const double n = static_cast<double>(pods.size());
  std::printf(
      "kernel      veth create %.3f ms/op, veth delete %.3f ms/op (no plugin: the floor%s)\n",
      create_ms / n, delete_ms / n, failures ? ", with FAILED calls" : "");
}

// bridge (with host-local from the same directory): what a pod's network costs. Runs inside a
// private node namespace (the bridge and the host ends of the veths live there), one fresh
// namespace per pod, made before and removed after the timed part.
void benchBridge(const std::string& ours_dir, const std::string& ref_dir, const std::string& tmp,
                 int pods) {
  using orch::netlink::NetNs;
  const std::string prefix = "orch-bench-cni-" + std::to_string(getpid());
  auto node = NetNs::create(prefix + "-node");
  if (!node.ok()) {
    std::printf("bridge      skipped: %s\n", node.status().message().c_str());
    return;
  }
  std::vector<std::string> made;
  for (int i = 0; i < pods; ++i) {
    std::string name = prefix + "-" + std::to_string(i);
    if (!NetNs::create(name).ok()) break;
    made.push_back(name);
  }
  if (static_cast<int>(made.size()) == pods) {
    auto conf = [&](const char* bridge, const char* subnet, const std::string& data_dir) {
      return json{{"cniVersion", "1.0.0"},
                  {"name", "benchbr"},
                  {"type", "bridge"},
                  {"bridge", bridge},
                  {"isGateway", true},
                  {"ipam",
                   {{"type", "host-local"},
                    {"dataDir", data_dir},
                    {"ranges", json::array({json::array({{{"subnet", subnet}}})})}}}}
          .dump();
    };
    auto pod_ns = [&](int i) { return "/run/netns/" + made[i]; };
    Figures ref, ours;
    (void)node->run([&]() -> orch::Status {
      ref = measure(ref_dir + "/bridge", conf("orchbref0", "10.252.0.0/16", tmp + "/br-ref"),
                    pod_ns, "eth0", pods, ref_dir);
      ours = measure(ours_dir + "/bridge", conf("orchbours0", "10.251.0.0/16", tmp + "/br-ours"),
                     pod_ns, "eth0", pods, ours_dir);
      return orch::Status::ok();
    });
    report("bridge", ours, ref);
    kernelFloor(*node, made);
  } else {
    std::printf("bridge      skipped: could not make %d namespaces\n", pods);
  }
  for (const auto& name : made) (void)NetNs::remove(name);
  (void)NetNs::remove(prefix + "-node");
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
  auto none = [](int) { return std::string("/run/netns/none"); };
  Figures ref_hl =
      measure(ref_dir + "/host-local", hostLocalConf(tmp.path() + "/ref"), none, "eth0", pods);
  Figures ours_hl =
      measure(ours_dir + "/host-local", hostLocalConf(tmp.path() + "/ours"), none, "eth0", pods);
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
  auto lo_ns = [&](int) { return "/run/netns/" + name; };
  Figures ref_lo = measure(ref_dir + "/loopback", lo_conf, lo_ns, "lo", pods);
  Figures ours_lo = measure(ours_dir + "/loopback", lo_conf, lo_ns, "lo", pods);
  report("loopback", ours_lo, ref_lo);
  (void)orch::netlink::NetNs::remove(name);

  benchBridge(ours_dir, ref_dir, tmp.path(), pods);
  return 0;
}
