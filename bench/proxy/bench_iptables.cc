// orch-proxy's iptables backend at scale: full sync time, the time of a sync after one
// Service's endpoints change, rule/chain counts and the bench's RSS, at N Services x 10
// endpoints, for the nf_tables and the legacy iptables variants. Everything happens in a
// private network namespace made (and removed) by the bench; root only. Prints a table.
//
//   build/bench/proxy/bench_proxy_iptables [--sizes 1000,5000,10000] [--variants nft,legacy]
//                                    [--endpoints 10] [--timeout-s 900]
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>
#include <vector>

#include "common/netfilter/iptables.h"
#include "common/netlink/netns.h"
#include "proxy/iptables/iptables_plan.h"
#include "proxy/iptables/iptables_proxier.h"

namespace {

using orch::Status;
using orch::netlink::NetNs;
using namespace orch::proxy;
namespace nf = orch::netfilter;
using Clock = std::chrono::steady_clock;

std::vector<std::string> split(const std::string& s) {
  std::vector<std::string> out;
  size_t p = 0;
  while (p <= s.size()) {
    size_t e = s.find(',', p);
    if (e == std::string::npos) e = s.size();
    if (e > p) out.push_back(s.substr(p, e - p));
    p = e + 1;
  }
  return out;
}

std::string ip4(uint32_t v) {
  return std::to_string(v >> 24) + "." + std::to_string((v >> 16) & 255) + "." +
         std::to_string((v >> 8) & 255) + "." + std::to_string(v & 255);
}

ServicePortName nameOf(int i) {
  return {"ns" + std::to_string(i % 100), "svc" + std::to_string(i), "http", Protocol::kTcp};
}

// N ClusterIP Services (every tenth also a NodePort) with `eps` ready endpoints each.
ProxyState makeState(int n, int eps) {
  ProxyState st;
  st.config.family = IpFamily::kIpv4;
  st.config.cluster_cidrs = {"10.0.0.0/8"};
  st.config.hostname = "node-a";
  st.node.name = "node-a";
  for (int i = 0; i < n; ++i) {
    ServicePortInfo svc;
    svc.name = nameOf(i);
    svc.cluster_ip = ip4((172u << 24 | 30u << 16) + static_cast<uint32_t>(i) + 1);
    svc.port = 80;
    if (i % 10 == 0) svc.node_port = static_cast<uint16_t>(30000 + i / 10 % 2700);
    std::vector<EndpointInfo> v;
    for (int e = 0; e < eps; ++e) {
      EndpointInfo ep;
      ep.ip = ip4((10u << 24) + static_cast<uint32_t>(i * eps + e) + 2);
      ep.port = 8080;
      ep.ready = ep.serving = true;
      ep.node_name = "node-" + std::to_string(e % 3);
      ep.is_local = e % 3 == 0;
      v.push_back(ep);
    }
    st.endpoints[svc.name] = std::move(v);
    st.services[svc.name] = std::move(svc);
  }
  return st;
}

long rssKb() {
  std::ifstream f("/proc/self/status");
  std::string line;
  while (std::getline(f, line)) {
    if (line.starts_with("VmRSS:")) return std::atol(line.c_str() + 6);
  }
  return -1;
}

struct Row {
  std::string variant;
  int services = 0;
  double plan_s = -1, full_s = -1, change_ms = -1, resync_s = -1, cleanup_s = -1;
  uint64_t rules = 0, chains = 0;
  long rss_kb = 0;
  std::string error;
};

Row runOne(const std::string& variant, int n, int eps, std::chrono::seconds timeout) {
  Row row{variant, n};
  std::string nsname = "orchb-ipt-" + std::to_string(::getpid());
  auto ns = NetNs::create(nsname);
  if (!ns.ok()) {
    row.error = ns.status().message();
    return row;
  }
  auto v = variant == "legacy" ? nf::IptablesVariant::kLegacy : nf::IptablesVariant::kNft;
  auto proxier = newIptablesProxier(IpFamily::kIpv4, nf::makeExecIptablesRunner(v, timeout));
  ProxyState st = makeState(n, eps);
  auto secs = [](Clock::time_point a) {
    return std::chrono::duration<double>(Clock::now() - a).count();
  };
  {
    // The planner alone (pure, no kernel): part of full_s.
    auto t0 = Clock::now();
    orch::proxy::iptables::KernelSnapshot empty;
    auto plan = orch::proxy::iptables::planIptables(st, nullptr, ChangeSet{}, &empty);
    row.plan_s = secs(t0);
  }
  Status s = ns->run([&]() -> Status {
    auto t0 = Clock::now();
    ORCH_RETURN_IF_ERROR(proxier->sync(st, ChangeSet{}));
    row.full_s = secs(t0);
    auto counts = proxier->ruleCounts();
    row.rules = counts["rules"];
    row.chains = counts["chains"];
    row.rss_kb = rssKb();
    // One Service in the middle loses an endpoint and gains another.
    ServicePortName changed = nameOf(n / 2);
    auto& v = st.endpoints[changed];
    v.erase(v.begin());
    EndpointInfo ep = v.back();
    ep.ip = "10.255.255.254";
    v.push_back(ep);
    t0 = Clock::now();
    ORCH_RETURN_IF_ERROR(proxier->sync(st, ChangeSet{.full = false, .services = {changed}}));
    row.change_ms = secs(t0) * 1000;
    t0 = Clock::now();
    ORCH_RETURN_IF_ERROR(proxier->sync(st, ChangeSet{}));
    row.resync_s = secs(t0);
    t0 = Clock::now();
    ORCH_RETURN_IF_ERROR(proxier->cleanup());
    row.cleanup_s = secs(t0);
    return Status::ok();
  });
  if (!s.isOk()) row.error = s.message();
  (void)NetNs::remove(nsname);
  return row;
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<int> sizes = {1000, 5000, 10000};
  std::vector<std::string> variants = {"nft", "legacy"};
  int eps = 10;
  int timeout_s = 900;
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string a = argv[i], v = argv[i + 1];
    if (a == "--sizes") {
      sizes.clear();
      for (const auto& s : split(v)) sizes.push_back(std::atoi(s.c_str()));
    } else if (a == "--variants") {
      variants = split(v);
    } else if (a == "--endpoints") {
      eps = std::atoi(v.c_str());
    } else if (a == "--timeout-s") {
      timeout_s = std::atoi(v.c_str());
    } else {
      std::fprintf(stderr, "unknown flag %s\n", a.c_str());
      return 2;
    }
  }
  if (::geteuid() != 0) {
    std::fprintf(stderr, "bench_iptables: needs root (private network namespaces)\n");
    return 1;
  }
  std::printf("orch-proxy iptables backend: Services x %d endpoints, private netns\n", eps);
  std::printf("%-7s %8s %8s %10s %12s %10s %10s %9s %9s %9s\n", "variant", "services", "plan_s",
              "full_s", "change1_ms", "resync_s", "cleanup_s", "rules", "chains", "rss_MB");
  for (const auto& variant : variants) {
    for (int n : sizes) {
      Row r = runOne(variant, n, eps, std::chrono::seconds(timeout_s));
      if (!r.error.empty()) {
        std::printf("%-7s %8d  error: %s\n", r.variant.c_str(), r.services, r.error.c_str());
        std::fflush(stdout);
        continue;
      }
      std::printf("%-7s %8d %8.2f %10.2f %12.1f %10.2f %10.2f %9llu %9llu %9.1f\n",
                  r.variant.c_str(), r.services, r.plan_s, r.full_s, r.change_ms, r.resync_s,
                  r.cleanup_s, static_cast<unsigned long long>(r.rules),
                  static_cast<unsigned long long>(r.chains), r.rss_kb / 1024.0);
      std::fflush(stdout);
    }
  }
  return 0;
}
