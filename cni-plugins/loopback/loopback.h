#pragma once
// The loopback CNI plugin: ADD brings `lo` up in CNI_NETNS and reports it (name lo, MAC
// 00:00:00:00:00:00, sandbox = CNI_NETNS, plus the addresses lo carries, 127.0.0.1/8 and
// ::1/128), or passes prevResult through unchanged when one is given, as the reference does;
// DEL brings lo down and succeeds when CNI_NETNS is empty or already gone; CHECK fails when lo
// is down. GC and STATUS have nothing to do. CNI_IFNAME is ignored: it is always lo.
// Kernel work goes through common/netlink on a thread inside the namespace.

#include "cni-plugins/skel/skel.h"

namespace orch::cni::loopback {

std::optional<Error> cmdAdd(const skel::CmdArgs& args, nlohmann::json& out);
std::optional<Error> cmdDel(const skel::CmdArgs& args, nlohmann::json& out);
std::optional<Error> cmdCheck(const skel::CmdArgs& args, nlohmann::json& out);

skel::Plugin plugin();

}  // namespace orch::cni::loopback
