#include "cni-plugins/bridge/ipam_exec.h"

#include <chrono>

#include "common/cni/exec.h"

namespace orch::cni::bridge {

std::optional<Error> execIpam(const std::string& type, const std::string& command,
                              const skel::CmdArgs& args, nlohmann::json* out) {
  auto bin = findPlugin(type, args.path);
  if (!bin.ok()) {
    return Error{kErrInternal, "ipam.type: failed to find plugin \"" + type + "\" in path",
                 bin.status().message()};
  }
  PluginEnv env{command, args.container_id, args.netns, args.ifname, args.args, args.path};
  auto r = execPlugin(*bin, env, args.stdin_data, std::chrono::seconds(60));
  if (!r.ok()) return Error{kErrInternal, r.status().message(), ""};
  if (r->error) return r->error;
  if (out) *out = std::move(r->output);
  return std::nullopt;
}

}  // namespace orch::cni::bridge
