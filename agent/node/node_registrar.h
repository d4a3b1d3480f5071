#pragma once
// NodeRegistrar: registers the agent's Node, as the kubelet's tryRegisterWithAPIServer.
//  - POST the initial Node: labels (default + --node-labels), the attach/detach annotation,
//    taints (--register-with-taints) and a first status from the NodeStatusBuilder.
//  - When the Node exists already (agent restart, or a Node made by an admin), only what the
//    agent owns is reconciled, through a merge patch of the main resource: the default labels
//    (kubernetes.io/hostname, os, arch and the beta os/arch) and the attach/detach annotation.
//    Other labels, --node-labels and taints are left as they are on the existing Node (the
//    kubelet applies those only at creation), so admin edits are never fought. Addresses,
//    capacity and conditions are brought up to date by the status updater's first round.
// Errors: the API error of the request that failed (create, get or patch), with context.
// Threads: one caller at a time; no lock is held during API calls.

#include "agent/node/node_status.h"
#include "common/api/node.h"
#include "common/base/clock.h"
#include "common/client/rest_client.h"

namespace orch::agent {

class NodeRegistrar {
 public:
  NodeRegistrar(client::RestClient& client, const NodeStatusBuilder& builder, Clock& clock)
      : client_(client), builder_(builder), clock_(clock) {}

  // One registration attempt. Returns the Node as stored. `created` (when non-null) tells
  // whether this call created it.
  Result<api::Node> tryRegister(bool* created = nullptr);

 private:
  client::RestClient& client_;
  const NodeStatusBuilder& builder_;
  Clock& clock_;
};

}  // namespace orch::agent
