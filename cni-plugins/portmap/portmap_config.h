#pragma once
// The portmap plugin's configuration (reference field names): runtimeConfig.portMappings,
// snat (default true), masqAll, markMasqBit (default 13, 0..31) / externalSetMarkChain
// (iptables only, mutually exclusive), conditionsV4/V6, backend ("nftables" by default,
// "iptables" when an iptables-only option is given), and the container addresses taken from
// prevResult (the first IPv4 and IPv6 address of the CNI_IFNAME sandbox interface). Pure.

#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/base/status.h"
#include "common/cni/ip.h"
#include "common/cni/result.h"

namespace orch::cni::portmap {

struct PortMapping {
  int host_port = 0;
  int container_port = 0;
  std::string protocol;  // lower case: tcp, udp, sctp
  std::string host_ip;   // "" = any
  bool operator==(const PortMapping&) const = default;
};

struct PortMapConf {
  std::string name;
  std::string cni_version;
  bool snat = true;
  bool masq_all = false;
  int mark_masq_bit = 13;
  std::optional<std::string> external_set_mark_chain;
  std::optional<std::vector<std::string>> conditions_v4, conditions_v6;
  std::string backend = "nftables";
  std::vector<PortMapping> mappings;
  std::optional<CniResult> prev_result;
  std::optional<IpNet> cont_v4, cont_v6;
};

// Parses the config; `ifname` picks the container interface in prevResult. EINVAL naming
// the field on bad input.
Result<PortMapConf> parsePortMapConf(const nlohmann::json& config, const std::string& ifname);

}  // namespace orch::cni::portmap
