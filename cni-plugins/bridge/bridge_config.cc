#include "cni-plugins/bridge/bridge_config.h"

#include <cstdio>
#include <random>
#include <set>

#include "common/netlink/ip_address.h"

namespace orch::cni::bridge {
namespace {

using nlohmann::json;

// Reads an optional field of the expected JSON type; a wrong type is an error naming it.
Status getBool(const json& j, const char* key, bool* out) {
  auto it = j.find(key);
  if (it == j.end() || it->is_null()) return Status::ok();
  if (!it->is_boolean()) return Status::invalid(std::string(key) + ": must be a boolean");
  *out = it->get<bool>();
  return Status::ok();
}

// `field` names the value in errors (defaults to the key).
Status getInt(const json& j, const std::string& key, int* out, const std::string& field = "") {
  const std::string& name = field.empty() ? key : field;
  auto it = j.find(key);
  if (it == j.end() || it->is_null()) return Status::ok();
  if (!it->is_number_integer()) return Status::invalid(name + ": must be an integer");
  auto v = it->get<int64_t>();
  if (v < INT32_MIN || v > INT32_MAX) return Status::invalid(name + ": out of range");
  *out = static_cast<int>(v);
  return Status::ok();
}

Status getString(const json& j, const char* key, std::string* out) {
  auto it = j.find(key);
  if (it == j.end() || it->is_null()) return Status::ok();
  if (!it->is_string()) return Status::invalid(std::string(key) + ": must be a string");
  *out = it->get<std::string>();
  return Status::ok();
}

// The reference's collectVlanTrunk: ids and minID..maxID ranges, each within 1..4094.
Status collectVlanTrunk(const json& trunk, std::vector<int>* out) {
  if (!trunk.is_array()) return Status::invalid("vlanTrunk: must be a list");
  std::set<int> ids;
  for (size_t i = 0; i < trunk.size(); ++i) {
    const json& item = trunk[i];
    std::string field = "vlanTrunk[" + std::to_string(i) + "]";
    if (!item.is_object()) return Status::invalid(field + ": must be an object");
    bool has_min = item.contains("minID") && !item["minID"].is_null();
    bool has_max = item.contains("maxID") && !item["maxID"].is_null();
    int min_id = 0, max_id = 0, id = 0;
    ORCH_RETURN_IF_ERROR(getInt(item, "minID", &min_id, field + ".minID"));
    ORCH_RETURN_IF_ERROR(getInt(item, "maxID", &max_id, field + ".maxID"));
    ORCH_RETURN_IF_ERROR(getInt(item, "id", &id, field + ".id"));
    if (has_min && has_max) {
      if (min_id <= 0 || min_id > 4094) {
        return Status::invalid(field + ".minID: incorrect trunk minID parameter");
      }
      if (max_id <= 0 || max_id > 4094) {
        return Status::invalid(field + ".maxID: incorrect trunk maxID parameter");
      }
      if (max_id < min_id) {
        return Status::invalid(field + ": minID is greater than maxID in trunk parameter");
      }
      for (int v = min_id; v <= max_id; ++v) ids.insert(v);
    } else if (has_max) {
      return Status::invalid(field +
                             ": minID and maxID should be configured simultaneously, minID is "
                             "missing");
    } else if (has_min) {
      return Status::invalid(field +
                             ": minID and maxID should be configured simultaneously, maxID is "
                             "missing");
    }
    if (item.contains("id") && !item["id"].is_null()) {
      if (id <= 0 || id > 4094) return Status::invalid(field + ".id: incorrect trunk id parameter");
      ids.insert(id);
    }
  }
  out->assign(ids.begin(), ids.end());
  return Status::ok();
}

}  // namespace

Result<BridgeConf> parseBridgeConf(
    const json& config, const std::vector<std::pair<std::string, std::string>>& cni_args) {
  if (!config.is_object()) return Status::invalid("network config: must be a JSON object");
  BridgeConf c;
  ORCH_RETURN_IF_ERROR(getString(config, "name", &c.name));
  ORCH_RETURN_IF_ERROR(getString(config, "cniVersion", &c.cni_version));
  ORCH_RETURN_IF_ERROR(getString(config, "bridge", &c.bridge));
  if (c.bridge.empty()) c.bridge = "cni0";
  if (c.bridge.size() > 15 || c.bridge.find_first_of("/ \t\n:") != std::string::npos) {
    return Status::invalid("bridge: invalid interface name \"" + c.bridge + "\"");
  }
  ORCH_RETURN_IF_ERROR(getBool(config, "isGateway", &c.is_gateway));
  ORCH_RETURN_IF_ERROR(getBool(config, "isDefaultGateway", &c.is_default_gateway));
  if (c.is_default_gateway) c.is_gateway = true;
  ORCH_RETURN_IF_ERROR(getBool(config, "forceAddress", &c.force_address));
  ORCH_RETURN_IF_ERROR(getBool(config, "ipMasq", &c.ip_masq));
  if (config.contains("ipMasqBackend") && !config["ipMasqBackend"].is_null()) {
    std::string backend;
    ORCH_RETURN_IF_ERROR(getString(config, "ipMasqBackend", &backend));
    if (backend != "iptables" && backend != "nftables") {
      return Status::invalid("ipMasqBackend: unknown ipmasq backend \"" + backend + "\"");
    }
    c.ip_masq_backend = backend;
  }
  ORCH_RETURN_IF_ERROR(getInt(config, "mtu", &c.mtu));
  if (c.mtu < 0) return Status::invalid("mtu: must not be negative");
  ORCH_RETURN_IF_ERROR(getBool(config, "hairpinMode", &c.hairpin_mode));
  ORCH_RETURN_IF_ERROR(getBool(config, "promiscMode", &c.promisc_mode));
  ORCH_RETURN_IF_ERROR(getInt(config, "vlan", &c.vlan));
  if (c.vlan < 0 || c.vlan > 4094) {
    return Status::invalid("vlan: invalid VLAN ID " + std::to_string(c.vlan) +
                           " (must be between 0 and 4094)");
  }
  if (config.contains("vlanTrunk") && !config["vlanTrunk"].is_null()) {
    ORCH_RETURN_IF_ERROR(collectVlanTrunk(config["vlanTrunk"], &c.vlans));
  }
  if (c.vlan > 0 && !c.vlans.empty()) {
    return Status::invalid("vlanTrunk: cannot set vlan and vlanTrunk at the same time");
  }
  ORCH_RETURN_IF_ERROR(getBool(config, "preserveDefaultVlan", &c.preserve_default_vlan));
  ORCH_RETURN_IF_ERROR(getBool(config, "macspoofchk", &c.mac_spoof_check));
  ORCH_RETURN_IF_ERROR(getBool(config, "enabledad", &c.enable_dad));
  ORCH_RETURN_IF_ERROR(
      getBool(config, "disableContainerInterface", &c.disable_container_interface));
  ORCH_RETURN_IF_ERROR(getBool(config, "portIsolation", &c.port_isolation));
  if (c.hairpin_mode && c.promisc_mode) {
    return Status::invalid(
        "hairpinMode, promiscMode: cannot set hairpin mode and promiscuous mode at the same "
        "time");
  }

  if (auto it = config.find("ipam"); it != config.end() && !it->is_null()) {
    if (!it->is_object()) return Status::invalid("ipam: must be an object");
    auto t = it->find("type");
    if (t == it->end() || !t->is_string() || t->get<std::string>().empty()) {
      return Status::invalid("ipam.type: missing IPAM plugin type");
    }
    c.ipam_type = t->get<std::string>();
    if (c.ipam_type.find('/') != std::string::npos) {
      return Status::invalid("ipam.type: must be a plugin name, not a path");
    }
  }

  // The MAC: CNI_ARGS MAC, overridden by args.cni.mac, overridden by runtimeConfig.mac.
  for (const auto& [k, v] : cni_args) {
    if (k == "MAC" && !v.empty()) c.mac = v;
  }
  if (auto a = config.find("args"); a != config.end() && a->is_object()) {
    if (auto cni = a->find("cni"); cni != a->end() && cni->is_object()) {
      std::string m;
      if (auto s = getString(*cni, "mac", &m); !s.isOk()) return s.withContext("args.cni");
      if (!m.empty()) c.mac = m;
    }
  }
  if (auto rc = config.find("runtimeConfig"); rc != config.end() && rc->is_object()) {
    std::string m;
    if (auto s = getString(*rc, "mac", &m); !s.isOk()) return s.withContext("runtimeConfig");
    if (!m.empty()) c.mac = m;
  }
  if (!c.mac.empty()) {
    auto parsed = netlink::parseMac(c.mac);
    if (!parsed.ok()) return Status::invalid("mac: invalid MAC address \"" + c.mac + "\"");
    c.mac = netlink::formatMac(parsed->data(), parsed->size());
  }
  return c;
}

std::string randomVethName() {
  std::random_device rd;
  uint32_t v = rd();
  char buf[16];
  std::snprintf(buf, sizeof buf, "veth%08x", v);
  return buf;
}

}  // namespace orch::cni::bridge
