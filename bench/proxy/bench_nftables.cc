// The nftables backend of orch-proxy at 1k, 5k and 10k Services x 10 endpoints, into
// the kernel of a private network namespace the bench creates (root): full sync (first,
// re-creating the table, and a periodic one in place), a sync after one Service's
// endpoints change (median and max of --changes), rule / chain / map element counts and
// the process RSS (after the syncs, and with only the ProxyState built). Each size runs
// on a fresh thread in the namespace, so RSS includes what glibc kept from the sizes before.
//
//   build/bench/proxy/bench_proxy_nftables [--sizes 1000,5000,10000] [--endpoints 10]
//                                          [--changes 20]
#include <malloc.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>
#include <vector>

#include "common/base/status.h"
#include "common/netfilter/nft_ops.h"
#include "common/netlink/netns.h"
#include "proxy/nftables/nft_planner.h"
#include "proxy/nftables/nftables_proxier.h"

namespace {

using namespace orch;
using namespace orch::proxy;
using Clock = std::chrono::steady_clock;

double msSince(Clock::time_point t) {
  return std::chrono::duration<double, std::milli>(Clock::now() - t).count();
}

long rssKb() {
  std::ifstream in("/proc/self/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("VmRSS:", 0) == 0) return std::atol(line.c_str() + 6);
  }
  return 0;
}

std::string ip4(uint32_t v) {
  return std::to_string(v >> 24) + "." + std::to_string((v >> 16) & 255) + "." +
         std::to_string((v >> 8) & 255) + "." + std::to_string(v & 255);
}

// n Services with `eps` endpoints each (unique pod IPs, 1 in 20 on this node); every
// tenth has a node port, every fiftieth session affinity.
ProxyState makeState(int n, int eps) {
  ProxyState s;
  s.config.cluster_cidrs = {"10.0.0.0/8"};
  s.node.node_port_all_local = true;
  uint32_t vip = (10u << 24) | (96u << 16), pod = (10u << 24) | (128u << 16);
  for (int i = 0; i < n; ++i) {
    ServicePortInfo svc;
    svc.name = ServicePortName{"bench", "svc-" + std::to_string(i), "", Protocol::kTcp};
    svc.cluster_ip = ip4(vip + 1 + static_cast<uint32_t>(i));
    svc.port = 80;
    if (i % 10 == 0) svc.node_port = static_cast<uint16_t>(30000 + i / 10);
    if (i % 50 == 0) svc.session_affinity = true;
    std::vector<EndpointInfo> list;
    for (int e = 0; e < eps; ++e) {
      EndpointInfo ep;
      ep.ip = ip4(pod + static_cast<uint32_t>(i * eps + e));
      ep.port = 8080;
      ep.ready = ep.serving = true;
      ep.is_local = (i * eps + e) % 20 == 0;
      list.push_back(ep);
    }
    s.services[svc.name] = svc;
    s.endpoints[svc.name] = std::move(list);
  }
  return s;
}

struct Row {
  int services = 0;
  double plan_full_ms = 0, full_ms = 0, resync_ms = 0, change_ms = 0, change_max_ms = 0;
  uint64_t rules = 0, chains = 0, elements = 0;
  long rss_kb = 0;        // after the syncs
  long state_rss_kb = 0;  // with only the ProxyState built
};

Status benchOne(int n, int eps, int changes, Row& row) {
  row.services = n;
  ProxyState state = makeState(n, eps);
  ORCH_ASSIGN_OR_RETURN(auto ops, netfilter::openMnlNftOps());
  auto proxier = newNftablesProxier(IpFamily::kIpv4, std::move(ops));

  long rss_before = rssKb();
  auto t = Clock::now();
  {
    NftPlan plan = planNftables(state, nullptr, ChangeSet{}, true);
    row.plan_full_ms = msSince(t);
  }

  t = Clock::now();
  ORCH_RETURN_IF_ERROR(proxier->sync(state, ChangeSet{}));
  row.full_ms = msSince(t);
  t = Clock::now();
  ORCH_RETURN_IF_ERROR(proxier->sync(state, ChangeSet{}));
  row.resync_ms = msSince(t);

  // One Service's endpoints change (one endpoint replaced), a different one each time.
  std::vector<double> times;
  for (int c = 0; c < changes; ++c) {
    auto it = std::next(state.endpoints.begin(), (c * 7919) % n);
    it->second[static_cast<size_t>(c % eps)].ip =
        ip4((172u << 24) | (16u << 16) | static_cast<uint32_t>(c));
    ChangeSet cs{false, {it->first}};
    t = Clock::now();
    ORCH_RETURN_IF_ERROR(proxier->sync(state, cs));
    times.push_back(msSince(t));
    if (std::getenv("BENCH_VERBOSE") != nullptr) {
      std::fprintf(stderr, "change %d (%s): %.3f ms\n", c, it->first.str().c_str(), times.back());
    }
  }
  std::sort(times.begin(), times.end());
  row.change_ms = times[times.size() / 2];
  row.change_max_ms = times.back();
  auto counts = proxier->ruleCounts();
  row.rules = counts["rules"];
  row.chains = counts["chains"];
  row.elements = counts["map_elements"];
  malloc_trim(0);  // what is still in use, not what glibc keeps cached
  row.rss_kb = rssKb();
  row.state_rss_kb = rss_before;
  return proxier->cleanup();
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<int> sizes{1000, 5000, 10000};
  int eps = 10, changes = 20;
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string a = argv[i];
    if (a == "--sizes") {
      sizes.clear();
      std::string v = argv[i + 1];
      for (size_t p = 0; p != std::string::npos;) {
        size_t q = v.find(',', p);
        sizes.push_back(std::atoi(v.substr(p, q == std::string::npos ? q : q - p).c_str()));
        p = q == std::string::npos ? q : q + 1;
      }
    } else if (a == "--endpoints") {
      eps = std::atoi(argv[i + 1]);
    } else if (a == "--changes") {
      changes = std::atoi(argv[i + 1]);
    }
  }
  if (geteuid() != 0) {
    std::printf("bench_proxy_nftables: needs root (a private network namespace); skipped\n");
    return 0;
  }
  std::string name = "orchb-proxy-" + std::to_string(getpid());
  auto ns = netlink::NetNs::create(name);
  if (!ns.ok()) {
    std::fprintf(stderr, "create netns: %s\n", ns.status().message().c_str());
    return 1;
  }
  std::printf("nftables backend, %d endpoints per Service, into netns %s\n", eps, name.c_str());
  std::printf("%9s %10s %10s %10s %11s %11s %8s %7s %9s %8s %9s\n", "services", "plan ms",
              "full ms", "resync ms", "change ms", "change max", "rules", "chains", "elements",
              "RSS MB", "state MB");
  int rc = 0;
  for (int n : sizes) {
    Row row;
    Status s = ns->run([&] { return benchOne(n, eps, changes, row); });
    if (!s.isOk()) {
      std::fprintf(stderr, "%d services: %s\n", n, s.message().c_str());
      rc = 1;
      break;
    }
    std::printf("%9d %10.1f %10.1f %10.1f %11.2f %11.2f %8lu %7lu %9lu %8.1f %9.1f\n", row.services,
                row.plan_full_ms, row.full_ms, row.resync_ms, row.change_ms, row.change_max_ms,
                static_cast<unsigned long>(row.rules), static_cast<unsigned long>(row.chains),
                static_cast<unsigned long>(row.elements), static_cast<double>(row.rss_kb) / 1024,
                static_cast<double>(row.state_rss_kb) / 1024);
    std::fflush(stdout);
  }
  Status rm = netlink::NetNs::remove(name);
  if (!rm.isOk()) std::fprintf(stderr, "remove netns: %s\n", rm.message().c_str());
  return rc;
}
