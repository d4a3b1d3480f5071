#pragma once
// The host-local IPAM plugin's commands on top of skel (see ipam_config.h for the config,
// store.h for the on-disk layout, allocator.h for the allocation order). Each handler runs
// with the network's lock held for its whole duration.
//
// Error codes: 7 for a bad config (the message names the field), 11 when a range set is
// exhausted or a requested address is taken, 5 for state-directory I/O failures.

#include "cni-plugins/skel/skel.h"

namespace orch::cni::hostlocal {

std::optional<Error> cmdAdd(const skel::CmdArgs& args, nlohmann::json& out);
std::optional<Error> cmdDel(const skel::CmdArgs& args, nlohmann::json& out);
std::optional<Error> cmdCheck(const skel::CmdArgs& args, nlohmann::json& out);
// Releases every allocation whose (containerID, ifname) is not in the config's
// "cni.dev/valid-attachments".
std::optional<Error> cmdGc(const skel::CmdArgs& args, nlohmann::json& out);
std::optional<Error> cmdStatus(const skel::CmdArgs& args, nlohmann::json& out);

skel::Plugin plugin();

}  // namespace orch::cni::hostlocal
