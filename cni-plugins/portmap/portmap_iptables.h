#pragma once
// The iptables backend of portmap, in the reference's chain layout (nat table):
//   PREROUTING, OUTPUT: -m addrtype --dst-type LOCAL -j CNI-HOSTPORT-DNAT
//   CNI-HOSTPORT-DNAT: -m comment --comment 'dnat name: "N" id: "C"' -m multiport -p P
//                      --destination-ports a,b -j CNI-DN-<hash>   (inserted first)
//   CNI-DN-<hash>: per mapping: hairpin and (IPv4) localhost "-j CNI-HOSTPORT-SETMARK",
//                  then "-j DNAT --to-destination IP:PORT" (with -d hostIP when given)
//   CNI-HOSTPORT-SETMARK: -j MARK --set-xmark BIT/BIT; CNI-HOSTPORT-MASQ (first in
//   POSTROUTING): -m mark --mark BIT/BIT -j MASQUERADE.
// Text builders are pure (the current iptables-save dump is passed in); apply functions go
// through IptablesRunner (iptables-restore --noflush).

#include <string>
#include <vector>

#include "cni-plugins/portmap/portmap_config.h"
#include "common/netfilter/iptables.h"

namespace orch::cni::portmap {

inline constexpr const char* kTopDnatChain = "CNI-HOSTPORT-DNAT";
inline constexpr const char* kSetMarkChain = "CNI-HOSTPORT-SETMARK";
inline constexpr const char* kMarkMasqChain = "CNI-HOSTPORT-MASQ";

std::string dnatChainName(const std::string& network, const std::string& container_id);

// The restore text installing the mappings of one container address, given the nat
// table as saved now.
std::string iptablesForwardText(const PortMapConf& conf, const std::string& container_id,
                                const IpNet& container, const netfilter::IptablesTableDump& nat);
// The restore text removing the container's chains (empty when there is nothing to remove).
std::string iptablesUnforwardText(const std::string& network, const std::string& container_id,
                                  const netfilter::IptablesTableDump& nat);

Status iptablesForwardPorts(netfilter::IptablesRunner& r, const PortMapConf& conf,
                            const std::string& container_id, const IpNet& container);
Status iptablesUnforwardPorts(netfilter::IptablesRunner& r, const std::string& network,
                              const std::string& container_id);
Status iptablesCheckPorts(netfilter::IptablesRunner& r, const PortMapConf& conf,
                          const std::string& container_id, const IpNet& container);

}  // namespace orch::cni::portmap
