#pragma once
// NodeStatusUpdater: keeps Node.status current, as the kubelet's updateNodeStatus.
// sync() is one round, run every nodeStatusUpdateFrequency (10 s) by NodeAgent:
//   GET the Node, compute its status with the NodeStatusBuilder on top of what is stored, and
//   post it when it changed (anything but the heartbeat times, see nodeStatusChanged) or when
//   nodeStatusReportFrequency (1 min) has passed since the last post. The post is a JSON merge
//   patch of the status subresource holding only the differences (so a status field someone
//   else owns is not overwritten); it carries no resourceVersion, so it cannot conflict.
//   A failed round is retried up to 5 times (the kubelet's nodeStatusUpdateRetry), except
//   when the Node does not exist (ENOENT at once: the caller registers it again).
// The report interval is measured on the injected clock's monotonic time; the timestamps
// written are its wall time.
// Threads: sync() from one thread (the status loop); the accessors from any. No lock is held
// during an API call.

#include <mutex>
#include <optional>

#include "agent/node/node_status.h"
#include "common/api/node.h"
#include "common/base/clock.h"
#include "common/client/rest_client.h"

namespace orch::agent {

class NodeStatusUpdater {
 public:
  NodeStatusUpdater(client::RestClient& client, const NodeStatusBuilder& builder, Clock& clock)
      : client_(client), builder_(builder), clock_(clock) {}

  // True when the status was posted this round, false when there was nothing to post.
  Result<bool> sync();

  // The Node as of the last report: the post's response, or the Node as read when it already
  // held the computed status (nullopt before the first report).
  std::optional<api::Node> lastPosted() const;
  // The builder's complaint in the last round (ok when every part could be computed).
  Status lastBuildError() const;

 private:
  Result<bool> trySync();

  client::RestClient& client_;
  const NodeStatusBuilder& builder_;
  Clock& clock_;
  std::optional<Clock::TimePoint> last_report_;  // loop thread only

  mutable std::mutex mu_;  // guards the two below
  std::optional<api::Node> last_posted_;
  Status last_build_error_;
};

}  // namespace orch::agent
