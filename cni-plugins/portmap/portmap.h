#pragma once
// The portmap CNI plugin (drop-in for containernetworking/plugins' portmap): chained after
// an interface plugin, ADD forwards runtimeConfig.portMappings (hostPort → containerPort,
// TCP/UDP/SCTP, optional hostIP) to the container addresses of prevResult with DNAT, plus
// SNAT for hairpin and localhost traffic (route_localnet on the host interface routing to
// the container, for IPv4), and prints prevResult. Backends: nftables (default) and
// iptables, in the reference's layouts. DEL removes the rules of both backends and is
// idempotent; CHECK verifies them; GC drops nftables rules of containers not in
// cni.dev/valid-attachments. Acts on the calling thread's network namespace.

#include "cni-plugins/skel/skel.h"

namespace orch::cni::portmap {

std::optional<Error> cmdAdd(const skel::CmdArgs& args, nlohmann::json& out);
std::optional<Error> cmdDel(const skel::CmdArgs& args, nlohmann::json& out);
std::optional<Error> cmdCheck(const skel::CmdArgs& args, nlohmann::json& out);
std::optional<Error> cmdGc(const skel::CmdArgs& args, nlohmann::json& out);

skel::Plugin plugin();

}  // namespace orch::cni::portmap
