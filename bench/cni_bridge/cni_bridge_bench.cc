// ADD and DEL per pod for 100 pods through bridge + host-local (and with portmap chained),
// ours and the reference binaries (/usr/lib/cni) in the same harness: each plugin process is
// spawned from a thread inside a bench-made "host" namespace, with CNI_NETNS pointing at a
// bench-made pod namespace. Prints ms per op and the ratio ours / reference.
//
//   build/bench/cni_bridge/bench_cni_bridge [--pods N] [--ours DIR] [--ref DIR]
#include <unistd.h>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/base/process.h"
#include "common/netlink/netns.h"

namespace {

using nlohmann::json;
using orch::netlink::NetNs;
using Clock = std::chrono::steady_clock;

struct Figures {
  double add_ms = 0, del_ms = 0;
  int failures = 0;
};

int runPlugin(const NetNs& host, const std::string& dir, const std::string& plugin,
              const std::string& cmd, const std::string& id, const std::string& netns,
              const std::string& conf, std::string* out) {
  auto r = host.run([&]() -> orch::Result<orch::RunResult> {
    orch::ProcessOptions o;
    o.argv = {dir + "/" + plugin};
    o.env = std::vector<std::string>{"PATH=/usr/sbin:/usr/bin:/sbin:/bin",
                                     "CNI_COMMAND=" + cmd,
                                     "CNI_CONTAINERID=" + id,
                                     "CNI_NETNS=" + netns,
                                     "CNI_IFNAME=eth0",
                                     "CNI_PATH=" + dir,
                                     "CNI_ARGS="};
    o.pipe_stdin = o.pipe_stdout = o.pipe_stderr = true;
    return orch::runProcess(o, conf, std::chrono::seconds(60));
  });
  if (!r.ok()) return -1;
  if (out) *out = r->out;
  if (r->exit_code != 0)
    std::fprintf(stderr, "%s %s %s: %s\n", plugin.c_str(), cmd.c_str(), id.c_str(), r->out.c_str());
  return r->exit_code;
}

Figures runSet(const std::string& dir, int pods, bool with_portmap, const std::string& tag) {
  Figures f;
  std::string prefix = "orchb-" + std::to_string(::getpid()) + "-" + tag;
  auto host = NetNs::create(prefix + "-host");
  if (!host.ok()) {
    std::fprintf(stderr, "create host netns: %s\n", host.status().message().c_str());
    f.failures = pods;
    return f;
  }
  std::vector<std::string> names;
  for (int i = 0; i < pods; ++i) {
    names.push_back(prefix + "-p" + std::to_string(i));
    if (!NetNs::create(names.back()).ok()) ++f.failures;
  }
  std::string datadir = "/tmp/" + prefix + "-ipam";
  json bridge = json::parse(R"({"cniVersion":"0.4.0","name":"benchnet","type":"bridge",
      "bridge":"cnib0","isGateway":true,"ipMasq":false,
      "ipam":{"type":"host-local","ranges":[[{"subnet":"10.66.0.0/16"}]]}})");
  bridge["ipam"]["dataDir"] = datadir;
  json pm = json::parse(R"({"cniVersion":"0.4.0","name":"benchnet","type":"portmap",
      "runtimeConfig":{"portMappings":[{"hostPort":8080,"containerPort":80,"protocol":"tcp"}]}})");
  std::vector<std::string> results(pods);
  auto t0 = Clock::now();
  for (int i = 0; i < pods; ++i) {
    std::string id = "pod" + std::to_string(i), ns = "/run/netns/" + names[i];
    if (runPlugin(*host, dir, "bridge", "ADD", id, ns, bridge.dump(), &results[i]) != 0) {
      ++f.failures;
      continue;
    }
    if (with_portmap) {
      json c = pm;
      c["prevResult"] = json::parse(results[i]);
      c["runtimeConfig"]["portMappings"][0]["hostPort"] = 8000 + i;
      results[i] = c.dump();
      if (runPlugin(*host, dir, "portmap", "ADD", id, ns, c.dump(), nullptr) != 0) ++f.failures;
    }
  }
  auto t1 = Clock::now();
  for (int i = 0; i < pods; ++i) {
    std::string id = "pod" + std::to_string(i), ns = "/run/netns/" + names[i];
    if (with_portmap && !results[i].empty()) {
      if (runPlugin(*host, dir, "portmap", "DEL", id, ns, results[i], nullptr) != 0) ++f.failures;
    }
    if (runPlugin(*host, dir, "bridge", "DEL", id, ns, bridge.dump(), nullptr) != 0) ++f.failures;
  }
  auto t2 = Clock::now();
  f.add_ms = std::chrono::duration<double, std::milli>(t1 - t0).count() / pods;
  f.del_ms = std::chrono::duration<double, std::milli>(t2 - t1).count() / pods;
  for (const auto& n : names) (void)NetNs::remove(n);
  (void)NetNs::remove(prefix + "-host");
  std::string rm = "rm -rf " + datadir;
  (void)!std::system(rm.c_str());
  return f;
}

}  // namespace

int main(int argc, char** argv) {
  int pods = 100;
  std::string ours = "build/cni-plugins", ref = "/usr/lib/cni";
  if (const char* d = std::getenv("ORCH_CNI_PLUGIN_DIR")) ours = d;
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string a = argv[i];
    if (a == "--pods") pods = std::atoi(argv[i + 1]);
    if (a == "--ours") ours = argv[i + 1];
    if (a == "--ref") ref = argv[i + 1];
  }
  if (::geteuid() != 0) {
    std::fprintf(stderr, "bench_cni_bridge needs root (it makes network namespaces)\n");
    return 1;
  }
  std::printf("CNI bridge + host-local, %d pods, per pod (ms); ours=%s ref=%s\n", pods,
              ours.c_str(), ref.c_str());
  std::printf("%-28s %9s %9s %9s %9s %7s %7s\n", "chain", "ours ADD", "ref ADD", "ours DEL",
              "ref DEL", "ADD x", "DEL x");
  int failures = 0;
  for (bool pm : {false, true}) {
    Figures o = runSet(ours, pods, pm, pm ? "op" : "o");
    Figures r = runSet(ref, pods, pm, pm ? "rp" : "r");
    failures += o.failures + r.failures;
    std::printf("%-28s %9.2f %9.2f %9.2f %9.2f %7.3f %7.3f\n",
                pm ? "bridge+host-local+portmap" : "bridge+host-local", o.add_ms, r.add_ms,
                o.del_ms, r.del_ms, o.add_ms / r.add_ms, o.del_ms / r.del_ms);
  }
  if (failures) std::printf("(%d plugin calls failed; figures include them)\n", failures);
  return failures ? 1 : 0;
}
