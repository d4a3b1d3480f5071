#include "agent/node/node_registrar.h"

#include "common/api/codec.h"

namespace orch::agent {

Result<api::Node> NodeRegistrar::tryRegister(bool* created) {
  if (created != nullptr) *created = false;
  const NodeOptions& opts = builder_.options();
  api::Node node = initialNode(opts);
  // Setter errors (e.g. no address yet) don't stop registration, as in the kubelet: the status
  // updater fills the gaps later.
  (void)builder_.apply(node.status, api::Time(clock_.wallNow()));

  auto made = client_.create(node);
  if (made.ok()) {
    if (created != nullptr) *created = true;
    return made;
  }
  if (!client::isAlreadyExists(made.status())) {
    return made.status().withContext("register node " + opts.nodeName);
  }

  auto existing = client_.get<api::Node>("", opts.nodeName);
  if (!existing.ok()) {
    return existing.status().withContext("get existing node " + opts.nodeName);
  }
  api::Json labels = api::Json::object();
  for (const auto& key : ownedLabelKeys()) {
    auto want = node.metadata.labels.find(key);
    auto have = existing->metadata.labels.find(key);
    if (want == node.metadata.labels.end()) {
      if (have != existing->metadata.labels.end()) labels[key] = nullptr;
    } else if (have == existing->metadata.labels.end() || have->second != want->second) {
      labels[key] = want->second;
    }
  }
  api::Json annotations = api::Json::object();
  auto cmad = existing->metadata.annotations.find(kAnnotationControllerManagedAttachDetach);
  if (cmad == existing->metadata.annotations.end() || cmad->second != "true") {
    annotations[kAnnotationControllerManagedAttachDetach] = "true";
  }
  if (labels.empty() && annotations.empty()) return existing;

  api::Json patch = {{"metadata", api::Json::object()}};
  if (!labels.empty()) patch["metadata"]["labels"] = labels;
  if (!annotations.empty()) patch["metadata"]["annotations"] = annotations;
  auto patched = client_.patch<api::Node>("", opts.nodeName, patch.dump());
  if (!patched.ok()) {
    return patched.status().withContext("reconcile labels of existing node " + opts.nodeName);
  }
  return patched;
}

}  // namespace orch::agent
