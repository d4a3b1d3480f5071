#pragma once
// Delegating to the IPAM plugin named in ipam.type, through the CNI protocol: the binary is
// found on CNI_PATH and run with the same CNI_* values and the network config on stdin.

#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "cni-plugins/skel/skel.h"
#include "common/cni/error.h"

namespace orch::cni::bridge {

// Runs `command` (ADD, DEL, CHECK, GC, STATUS) of plugin `type` with the invocation's
// environment and stdin. On success `out` holds its parsed stdout (null when none); a
// failure of the plugin comes back as its own error object; a binary missing from CNI_PATH
// is code 999 naming ipam.type (what the reference reports).
std::optional<Error> execIpam(const std::string& type, const std::string& command,
                              const skel::CmdArgs& args, nlohmann::json* out);

}  // namespace orch::cni::bridge
