#include "proxy/daemon/proxier_health.h"

#include <ctime>
#include <nlohmann/json.hpp>

namespace orch::proxy {

void ProxierHealth::queued(IpFamily family) {
  std::lock_guard l(mu_);
  oldest_pending_.try_emplace(family, clock_.now());
}

void ProxierHealth::updated(IpFamily family) {
  std::lock_guard l(mu_);
  oldest_pending_.erase(family);
  last_updated_[family] = clock_.wallNow();
}

void ProxierHealth::setNodeEligible(bool eligible) {
  std::lock_guard l(mu_);
  node_eligible_ = eligible;
}

ProxierHealth::Health ProxierHealth::health() const {
  std::lock_guard l(mu_);
  Health h;
  h.now = clock_.wallNow();
  h.node_eligible = node_eligible_;
  for (const auto& [f, t] : last_updated_)
    if (t > h.last_updated) h.last_updated = t;
  const auto now = clock_.now();
  for (const auto& [f, since] : oldest_pending_)
    if (now - since >= timeout_) h.healthy = false;
  return h;
}

std::string formatWallTime(Clock::WallTime t) {
  if (t == Clock::WallTime{}) return "";
  const auto ns =
      std::chrono::duration_cast<std::chrono::nanoseconds>(t.time_since_epoch()).count();
  std::time_t secs = static_cast<std::time_t>(ns / 1000000000);
  long frac = static_cast<long>(ns % 1000000000);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[64];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
  char out[96];
  std::snprintf(out, sizeof out, "%s.%09ldZ", buf, frac);
  return out;
}

HttpAnswer healthzAnswer(const ProxierHealth::Health& h) {
  const bool ok = h.healthy && h.node_eligible;
  nlohmann::ordered_json j;
  j["lastUpdated"] = formatWallTime(ok ? h.now : h.last_updated);
  j["currentTime"] = formatWallTime(h.now);
  j["nodeEligible"] = h.node_eligible;
  return HttpAnswer{ok ? 200 : 503, j.dump()};
}

HttpAnswer livezAnswer(const ProxierHealth::Health& h) {
  nlohmann::ordered_json j;
  j["lastUpdated"] = formatWallTime(h.healthy ? h.now : h.last_updated);
  j["currentTime"] = formatWallTime(h.now);
  return HttpAnswer{h.healthy ? 200 : 503, j.dump()};
}

}  // namespace orch::proxy
