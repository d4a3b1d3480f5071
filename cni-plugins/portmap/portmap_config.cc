#include "cni-plugins/portmap/portmap_config.h"

#include <algorithm>
#include <cctype>

namespace orch::cni::portmap {
namespace {

using nlohmann::json;

Result<std::optional<std::vector<std::string>>> stringList(const json& j, const char* key) {
  auto it = j.find(key);
  if (it == j.end() || it->is_null()) return std::optional<std::vector<std::string>>{};
  if (!it->is_array()) return Status::invalid(std::string(key) + ": must be a list of strings");
  std::vector<std::string> out;
  for (const auto& v : *it) {
    if (!v.is_string()) return Status::invalid(std::string(key) + ": must be a list of strings");
    out.push_back(v.get<std::string>());
  }
  return std::optional<std::vector<std::string>>(std::move(out));
}

}  // namespace

Result<PortMapConf> parsePortMapConf(const json& config, const std::string& ifname) {
  if (!config.is_object()) return Status::invalid("network config: must be a JSON object");
  PortMapConf c;
  c.name = config.value("name", "");
  c.cni_version = config.value("cniVersion", "");
  if (auto it = config.find("snat"); it != config.end() && !it->is_null()) {
    if (!it->is_boolean()) return Status::invalid("snat: must be a boolean");
    c.snat = it->get<bool>();
  }
  if (auto it = config.find("masqAll"); it != config.end() && !it->is_null()) {
    if (!it->is_boolean()) return Status::invalid("masqAll: must be a boolean");
    c.masq_all = it->get<bool>();
  }
  bool has_bit = false;
  if (auto it = config.find("markMasqBit"); it != config.end() && !it->is_null()) {
    if (!it->is_number_integer()) return Status::invalid("markMasqBit: must be an integer");
    c.mark_masq_bit = static_cast<int>(it->get<int64_t>());
    has_bit = true;
  }
  if (auto it = config.find("externalSetMarkChain"); it != config.end() && !it->is_null()) {
    if (!it->is_string()) return Status::invalid("externalSetMarkChain: must be a string");
    c.external_set_mark_chain = it->get<std::string>();
  }
  if (has_bit && c.external_set_mark_chain) {
    return Status::invalid(
        "externalSetMarkChain, markMasqBit: Cannot specify externalSetMarkChain and markMasqBit");
  }
  if (c.mark_masq_bit < 0 || c.mark_masq_bit > 31) {
    return Status::invalid("markMasqBit: MasqMarkBit must be between 0 and 31");
  }
  ORCH_ASSIGN_OR_RETURN(c.conditions_v4, stringList(config, "conditionsV4"));
  ORCH_ASSIGN_OR_RETURN(c.conditions_v6, stringList(config, "conditionsV6"));
  if (auto it = config.find("backend"); it != config.end() && !it->is_null()) {
    if (!it->is_string()) return Status::invalid("backend: must be a string");
    c.backend = it->get<std::string>();
    if (c.backend != "nftables" && c.backend != "iptables") {
      return Status::invalid("backend: unknown backend \"" + c.backend +
                             "\" (must be nftables or iptables)");
    }
    if (c.backend == "nftables" && (has_bit || c.external_set_mark_chain)) {
      return Status::invalid(
          "backend: markMasqBit and externalSetMarkChain are not supported with nftables");
    }
  } else if (has_bit || c.external_set_mark_chain) {
    c.backend = "iptables";  // options only the iptables layout has
  }

  if (auto rc = config.find("runtimeConfig"); rc != config.end() && rc->is_object()) {
    if (auto pm = rc->find("portMappings"); pm != rc->end() && !pm->is_null()) {
      if (!pm->is_array()) return Status::invalid("runtimeConfig.portMappings: must be a list");
      for (size_t i = 0; i < pm->size(); ++i) {
        const json& e = (*pm)[i];
        std::string field = "runtimeConfig.portMappings[" + std::to_string(i) + "]";
        if (!e.is_object()) return Status::invalid(field + ": must be an object");
        PortMapping m;
        auto intField = [&](const char* k, int* out) -> Status {
          auto it = e.find(k);
          if (it == e.end() || it->is_null()) return Status::ok();
          if (!it->is_number_integer()) return Status::invalid(field + "." + k + ": not a number");
          *out = static_cast<int>(it->get<int64_t>());
          return Status::ok();
        };
        ORCH_RETURN_IF_ERROR(intField("hostPort", &m.host_port));
        ORCH_RETURN_IF_ERROR(intField("containerPort", &m.container_port));
        if (m.container_port <= 0 || m.container_port > 65535) {
          return Status::invalid(field + ".containerPort: Invalid container port number: " +
                                 std::to_string(m.container_port));
        }
        if (m.host_port <= 0 || m.host_port > 65535) {
          return Status::invalid(
              field + ".hostPort: Invalid host port number: " + std::to_string(m.host_port));
        }
        m.protocol = e.value("protocol", "tcp");
        std::transform(m.protocol.begin(), m.protocol.end(), m.protocol.begin(),
                       [](unsigned char ch) { return std::tolower(ch); });
        if (m.protocol.empty()) m.protocol = "tcp";
        if (m.protocol != "tcp" && m.protocol != "udp" && m.protocol != "sctp") {
          return Status::invalid(field + ".protocol: unsupported protocol \"" + m.protocol + "\"");
        }
        m.host_ip = e.value("hostIP", "");
        if (!m.host_ip.empty() && !IpAddr::parse(m.host_ip).ok()) {
          return Status::invalid(field + ".hostIP: invalid address \"" + m.host_ip + "\"");
        }
        c.mappings.push_back(m);
      }
    }
  }

  if (auto pr = config.find("prevResult"); pr != config.end() && !pr->is_null()) {
    json p = *pr;
    if (p.is_object() && !p.contains("cniVersion")) p["cniVersion"] = c.cni_version;
    auto r = CniResult::fromJson(p);
    if (!r.ok()) return r.status().withContext("prevResult");
    c.prev_result = *r;
    for (const auto& ip : r->ips) {
      bool v4 = ip.address.ip.isV4();
      if ((v4 && c.cont_v4) || (!v4 && c.cont_v6)) continue;
      // Skip known non-sandbox interfaces.
      if (ip.interface) {
        int idx = *ip.interface;
        if (idx >= 0 && idx < static_cast<int>(r->interfaces.size()) &&
            (r->interfaces[idx].name != ifname || r->interfaces[idx].sandbox.empty())) {
          continue;
        }
      }
      (v4 ? c.cont_v4 : c.cont_v6) = ip.address;
    }
  }
  return c;
}

}  // namespace orch::cni::portmap
