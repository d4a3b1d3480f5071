#pragma once
// The bridge plugin's network configuration, parsed from the CNI config on stdin with the
// reference plugin's field names and defaults (bridge "cni0", preserveDefaultVlan true,
// enabledad false, isDefaultGateway implying isGateway). Pure: no kernel access.

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/base/status.h"

namespace orch::cni::bridge {

struct BridgeConf {
  std::string name;  // the network name (keys the ipMasq rules)
  std::string cni_version;
  std::string bridge = "cni0";
  bool is_gateway = false;
  bool is_default_gateway = false;
  bool force_address = false;
  bool ip_masq = false;
  std::optional<std::string> ip_masq_backend;  // "iptables" | "nftables"; unset = by availability
  int mtu = 0;
  bool hairpin_mode = false;
  bool promisc_mode = false;
  int vlan = 0;
  std::vector<int> vlans;  // vlanTrunk expanded, ascending, without duplicates
  bool preserve_default_vlan = true;
  bool mac_spoof_check = false;
  bool enable_dad = false;
  bool disable_container_interface = false;
  bool port_isolation = false;
  std::string ipam_type;  // "" = layer 2 only (no "ipam" in the config)
  std::string mac;  // requested container MAC: CNI_ARGS MAC < args.cni.mac < runtimeConfig.mac

  bool vlanFiltering() const { return vlan != 0 || !vlans.empty(); }
};

// Parses and validates the config. `cni_args` are the CNI_ARGS pairs (MAC is read from
// them). Errors are EINVAL naming the field ("vlanTrunk[1].maxID: ...").
Result<BridgeConf> parseBridgeConf(
    const nlohmann::json& config, const std::vector<std::pair<std::string, std::string>>& cni_args);

// "veth" + 8 random hex digits, as the reference names host ends.
std::string randomVethName();

}  // namespace orch::cni::bridge
