#include "proxy/daemon/proxy_metrics.h"

#include <cstdio>
#include <cstdlib>
#include <sstream>

namespace orch::proxy {
namespace {

// Prometheus float text: the shortest form that reads back as the same double.
std::string num(double v) {
  char buf[64];
  for (int precision = 1; precision <= 17; ++precision) {
    std::snprintf(buf, sizeof buf, "%.*g", precision, v);
    if (std::strtod(buf, nullptr) == v) break;
  }
  return buf;
}

std::string escapeLabel(const std::string& v) {
  std::string out;
  for (char c : v) {
    if (c == '\\' || c == '"') out += '\\';
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    out += c;
  }
  return out;
}

}  // namespace

std::array<double, ProxyMetrics::kBuckets> ProxyMetrics::bucketBounds() {
  std::array<double, kBuckets> b{};
  double v = 0.001;
  for (auto& x : b) {
    x = v;
    v *= 2;
  }
  return b;
}

void ProxyMetrics::observeSync(double seconds, bool ok, bool full, Clock::WallTime when) {
  std::lock_guard l(mu_);
  static const auto bounds = bucketBounds();
  for (size_t i = 0; i < kBuckets; ++i) {
    if (seconds <= bounds[i]) {
      ++buckets_[i];
      break;
    }
  }
  ++count_;
  sum_ += seconds;
  (full ? full_syncs_ : partial_syncs_)++;
  if (!ok) {
    ++errors_;
    return;
  }
  last_ok_ = std::chrono::duration<double>(when.time_since_epoch()).count();
}

void ProxyMetrics::setRuleCounts(IpFamily family, const std::map<std::string, uint64_t>& counts) {
  std::lock_guard l(mu_);
  rules_[family] = counts;
}

void ProxyMetrics::conntrackCleanupFailed() {
  std::lock_guard l(mu_);
  ++conntrack_errors_;
}

std::string ProxyMetrics::render() const {
  std::lock_guard l(mu_);
  std::ostringstream o;
  const std::string h = "orchproxy_sync_proxy_rules_duration_seconds";
  o << "# HELP " << h << " Time one sync of one IP family's rules took.\n"
    << "# TYPE " << h << " histogram\n";
  static const auto bounds = bucketBounds();
  uint64_t cumulative = 0;
  for (size_t i = 0; i < kBuckets; ++i) {
    cumulative += buckets_[i];
    o << h << "_bucket{le=\"" << num(bounds[i]) << "\"} " << cumulative << "\n";
  }
  o << h << "_bucket{le=\"+Inf\"} " << count_ << "\n";
  o << h << "_sum " << num(sum_) << "\n" << h << "_count " << count_ << "\n";

  o << "# HELP orchproxy_sync_proxy_rules_last_timestamp_seconds Wall time of the last "
       "successful sync.\n"
    << "# TYPE orchproxy_sync_proxy_rules_last_timestamp_seconds gauge\n"
    << "orchproxy_sync_proxy_rules_last_timestamp_seconds " << num(last_ok_) << "\n";
  o << "# HELP orchproxy_sync_proxy_rules_errors_total Syncs that failed.\n"
    << "# TYPE orchproxy_sync_proxy_rules_errors_total counter\n"
    << "orchproxy_sync_proxy_rules_errors_total " << errors_ << "\n";
  o << "# HELP orchproxy_sync_proxy_rules_total Syncs run, full or partial.\n"
    << "# TYPE orchproxy_sync_proxy_rules_total counter\n"
    << "orchproxy_sync_proxy_rules_total{full=\"true\"} " << full_syncs_ << "\n"
    << "orchproxy_sync_proxy_rules_total{full=\"false\"} " << partial_syncs_ << "\n";
  o << "# HELP orchproxy_conntrack_cleanup_errors_total Stale conntrack cleanups that failed.\n"
    << "# TYPE orchproxy_conntrack_cleanup_errors_total counter\n"
    << "orchproxy_conntrack_cleanup_errors_total " << conntrack_errors_ << "\n";
  o << "# HELP orchproxy_proxy_rules Objects the backend has programmed, by kind.\n"
    << "# TYPE orchproxy_proxy_rules gauge\n";
  for (const auto& [family, counts] : rules_)
    for (const auto& [kind, n] : counts)
      o << "orchproxy_proxy_rules{family=\"" << (family == IpFamily::kIpv4 ? "ipv4" : "ipv6")
        << "\",kind=\"" << escapeLabel(kind) << "\"} " << n << "\n";
  return o.str();
}

}  // namespace orch::proxy
