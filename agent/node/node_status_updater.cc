#include "agent/node/node_status_updater.h"

#include "agent/node/merge_patch.h"
#include "common/api/codec.h"

namespace orch::agent {
namespace {

constexpr int kNodeStatusUpdateRetry = 5;

}  // namespace

std::optional<api::Node> NodeStatusUpdater::lastPosted() const {
  std::lock_guard l(mu_);
  return last_posted_;
}

Status NodeStatusUpdater::lastBuildError() const {
  std::lock_guard l(mu_);
  return last_build_error_;
}

Result<bool> NodeStatusUpdater::sync() {
  Status last;
  for (int i = 0; i < kNodeStatusUpdateRetry; ++i) {
    auto r = trySync();
    if (r.ok()) return r;
    last = r.status();
    if (client::isNotFound(last)) break;
  }
  return last.withContext("update node status");
}

Result<bool> NodeStatusUpdater::trySync() {
  const std::string& name = builder_.options().nodeName;
  ORCH_ASSIGN_OR_RETURN(api::Node node, client_.get<api::Node>("", name));
  const api::NodeStatus original = node.status;
  Status built = builder_.apply(node.status, api::Time(clock_.wallNow()));
  {
    std::lock_guard l(mu_);
    last_build_error_ = built;
  }

  const auto now = clock_.now();
  const bool changed = nodeStatusChanged(original, node.status);
  const bool due =
      !last_report_ || now - *last_report_ >= builder_.options().nodeStatusReportFrequency;
  if (!changed && !due) return false;

  api::Json diff = createMergePatch(api::encode(original), api::encode(node.status));
  if (!diff.empty()) {
    api::Json patch = {{"status", std::move(diff)}};
    auto posted =
        client_.patch<api::Node>("", name, patch.dump(), client::PatchType::kMerge, "status");
    if (!posted.ok()) return posted.status();
    std::lock_guard l(mu_);
    last_posted_ = std::move(posted).value();
  } else {
    // Nothing differs from what is stored (e.g. within the same second): that is the report.
    std::lock_guard l(mu_);
    last_posted_ = std::move(node);
  }
  last_report_ = now;
  return true;
}

}  // namespace orch::agent
