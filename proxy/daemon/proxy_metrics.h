#pragma once
// orch-proxy's /metrics, in the Prometheus text exposition format (version 0.0.4):
//
//   orchproxy_sync_proxy_rules_duration_seconds           histogram, one sample per family sync
//   orchproxy_sync_proxy_rules_last_timestamp_seconds     gauge, wall time of the last good sync
//   orchproxy_sync_proxy_rules_errors_total               counter of failed syncs
//   orchproxy_sync_proxy_rules_total{full="true|false"}   counter of syncs run
//   orchproxy_proxy_rules{family="ipv4",kind="rules"}     gauge, the backend's ruleCounts()
//   orchproxy_conntrack_cleanup_errors_total              counter
//
// The duration buckets are kube-proxy's (exponential from 1 ms, factor 2, 15 buckets).
// Threads: every method may be called from any thread.

#include <array>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>

#include "common/base/clock.h"
#include "proxy/core/service_model.h"

namespace orch::proxy {

class ProxyMetrics {
 public:
  static constexpr size_t kBuckets = 15;

  // One sync of one family took `seconds`; `ok` false counts an error.
  void observeSync(double seconds, bool ok, bool full, Clock::WallTime when);
  void setRuleCounts(IpFamily family, const std::map<std::string, uint64_t>& counts);
  void conntrackCleanupFailed();
  // The exposition text.
  std::string render() const;

  // Upper bounds of the histogram buckets (without +Inf).
  static std::array<double, kBuckets> bucketBounds();

 private:
  mutable std::mutex mu_;
  std::array<uint64_t, kBuckets> buckets_{};  // non-cumulative
  uint64_t count_ = 0;
  double sum_ = 0;
  uint64_t errors_ = 0, full_syncs_ = 0, partial_syncs_ = 0, conntrack_errors_ = 0;
  double last_ok_ = 0;
  std::map<IpFamily, std::map<std::string, uint64_t>> rules_;
};

}  // namespace orch::proxy
