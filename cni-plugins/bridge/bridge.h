#pragma once
// The bridge CNI plugin (drop-in for containernetworking/plugins' bridge): ADD ensures the
// bridge (created race-free: on EEXIST it is re-read and must be a bridge), creates a veth
// pair whose container end is made directly in CNI_NETNS as CNI_IFNAME and whose host end
// ("veth" + 8 hex digits) is enslaved with the configured port flags and VLANs, runs the
// IPAM plugin, configures the container's addresses and routes, the gateway address on the
// bridge, forwarding and ipMasq, and prints the result in the config's version. A failed
// ADD removes the veth, releases the IPAM allocation and the rules before returning.
// DEL removes the container interface, releases IPAM and the rules; an unknown container
// or a netns that is gone is success. CHECK verifies prevResult against the kernel.
// GC and STATUS delegate to the IPAM plugin (GC also drops stale nftables ipMasq rules).
//
// Kernel work goes through common/netlink (the calling thread is in the host namespace;
// the container namespace is reached with its own netlink socket) and common/netfilter.

#include "cni-plugins/skel/skel.h"

namespace orch::cni::bridge {

std::optional<Error> cmdAdd(const skel::CmdArgs& args, nlohmann::json& out);
std::optional<Error> cmdDel(const skel::CmdArgs& args, nlohmann::json& out);
std::optional<Error> cmdCheck(const skel::CmdArgs& args, nlohmann::json& out);
std::optional<Error> cmdGc(const skel::CmdArgs& args, nlohmann::json& out);
std::optional<Error> cmdStatus(const skel::CmdArgs& args, nlohmann::json& out);

skel::Plugin plugin();

}  // namespace orch::cni::bridge
