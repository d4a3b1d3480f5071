#pragma once
// kube-proxy's proxier health (pkg/proxy/healthcheck ProxyHealthServer), without the HTTP
// server: the proxy is healthy unless some family has had a change queued for longer than
// `health_timeout` without a successful sync since (a family with nothing pending is healthy,
// also while starting). /healthz additionally reports 503 while the Node is being deleted
// (nodeEligible false); /livez does not.
//
// Threads: every method may be called from any thread.

#include <map>
#include <mutex>
#include <string>

#include "common/base/clock.h"
#include "proxy/core/service_model.h"

namespace orch::proxy {

class ProxierHealth {
 public:
  ProxierHealth(Clock& clock, Clock::Duration health_timeout)
      : clock_(clock), timeout_(health_timeout) {}

  // A change of `family` is waiting for a sync (the oldest one counts).
  void queued(IpFamily family);
  // A sync of `family` succeeded: nothing is pending, last updated now.
  void updated(IpFamily family);
  void setNodeEligible(bool eligible);

  struct Health {
    bool healthy = true;
    bool node_eligible = true;
    Clock::WallTime last_updated{};  // zero before the first sync
    Clock::WallTime now{};
  };
  Health health() const;

 private:
  Clock& clock_;
  const Clock::Duration timeout_;
  mutable std::mutex mu_;
  std::map<IpFamily, Clock::TimePoint> oldest_pending_;
  std::map<IpFamily, Clock::WallTime> last_updated_;
  bool node_eligible_ = true;
};

struct HttpAnswer {
  int status = 200;
  std::string body;  // JSON
};

// RFC 3339 with nanoseconds, UTC ("2024-05-01T10:00:00.123456789Z"); "" for the zero time.
std::string formatWallTime(Clock::WallTime t);

// /healthz: 200 when healthy and the Node is eligible, else 503; body
// {"lastUpdated": ..., "currentTime": ..., "nodeEligible": bool}. When healthy, lastUpdated
// is the current time, as kube-proxy answers (compatibility with older releases).
HttpAnswer healthzAnswer(const ProxierHealth::Health& h);
// /livez: 200 when healthy, else 503; body {"lastUpdated": ..., "currentTime": ...}.
HttpAnswer livezAnswer(const ProxierHealth::Health& h);

}  // namespace orch::proxy
