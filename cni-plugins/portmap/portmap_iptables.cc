#include "cni-plugins/portmap/portmap_iptables.h"

#include <algorithm>
#include <cstdio>
#include <map>

#include "cni-plugins/bridge/netfilter_names.h"

namespace orch::cni::portmap {
namespace {

namespace nf = orch::netfilter;
using bridge::formatChainName;

bool hasChain(const nf::IptablesTableDump& d, const std::string& c) {
  return std::find(d.chains.begin(), d.chains.end(), c) != d.chains.end();
}

// Whether `rule` ("-A X ... -j T ...") jumps to `target`.
bool jumpsTo(const std::string& rule, const std::string& target) {
  std::string needle = "-j " + target;
  size_t p = rule.find(needle);
  while (p != std::string::npos) {
    size_t end = p + needle.size();
    if (end == rule.size() || rule[end] == ' ') return true;
    p = rule.find(needle, p + 1);
  }
  return false;
}

std::vector<std::string> rulesOf(const nf::IptablesTableDump& d, const std::string& chain) {
  std::vector<std::string> out;
  for (const auto& r : d.rules) {
    if (r.starts_with("-A " + chain + " ")) out.push_back(r);
  }
  return out;
}

bool anyJump(const nf::IptablesTableDump& d, const std::string& chain, const std::string& target) {
  for (const auto& r : rulesOf(d, chain)) {
    if (jumpsTo(r, target)) return true;
  }
  return false;
}

std::string markDef(int bit) {
  char buf[32];
  unsigned v = 1u << bit;
  std::snprintf(buf, sizeof buf, "%#x/%#x", v, v);
  return buf;
}

std::string ipPort(const IpAddr& ip, int port) {
  return ip.isV4() ? ip.toString() + ":" + std::to_string(port)
                   : "[" + ip.toString() + "]:" + std::to_string(port);
}

std::string join(const std::vector<std::string>& v, const std::string& sep) {
  std::string out;
  for (size_t i = 0; i < v.size(); ++i) out += (i ? sep : "") + v[i];
  return out;
}

// Removes the chain `name` and every rule in `entry` jumping to it.
void teardownChain(nf::IptablesRestoreText& t, const nf::IptablesTableDump& nat,
                   const std::string& name, const std::string& entry, bool* any) {
  if (!hasChain(nat, name)) return;
  t.chain(name);  // flush
  for (const auto& r : rulesOf(nat, entry)) {
    if (jumpsTo(r, name)) t.line("-D" + r.substr(2));
  }
  t.line("-X " + name);
  *any = true;
}

Result<nf::IptablesTableDump> saveNat(nf::IptablesRunner& r, bool v6) {
  ORCH_ASSIGN_OR_RETURN(auto text, r.save(v6 ? nf::IpFamily::kV6 : nf::IpFamily::kV4, "nat"));
  ORCH_ASSIGN_OR_RETURN(auto dumps, nf::parseIptablesSave(text));
  for (auto& d : dumps) {
    if (d.table == "nat") return d;
  }
  return nf::IptablesTableDump{"nat", {}, {}};
}

}  // namespace

std::string dnatChainName(const std::string& network, const std::string& container_id) {
  return formatChainName(network, container_id, "DN-");
}

std::string iptablesForwardText(const PortMapConf& conf, const std::string& container_id,
                                const IpNet& container, const nf::IptablesTableDump& nat) {
  bool v6 = !container.ip.isV4();
  nf::IptablesRestoreText t;
  t.table("nat");
  std::string setmark = conf.external_set_mark_chain.value_or(kSetMarkChain);
  std::string mark = markDef(conf.mark_masq_bit);
  bool new_setmark = false, new_masq = false, new_top = false;
  if (conf.snat && !conf.external_set_mark_chain) {
    new_setmark = !hasChain(nat, kSetMarkChain) || rulesOf(nat, kSetMarkChain).empty();
    new_masq = !hasChain(nat, kMarkMasqChain) || rulesOf(nat, kMarkMasqChain).empty();
    if (new_setmark) t.chain(kSetMarkChain);
    if (new_masq) t.chain(kMarkMasqChain);
  }
  new_top = !hasChain(nat, kTopDnatChain);
  if (new_top) t.chain(kTopDnatChain);
  std::string dn = dnatChainName(conf.name, container_id);
  t.chain(dn);  // created, or flushed when a stale one exists

  if (new_setmark) {
    t.line(std::string("-A ") + kSetMarkChain + " -m comment --comment " +
           nf::iptablesQuote("CNI portfwd masquerade mark") + " -j MARK --set-xmark " + mark);
  }
  if (new_masq)
    t.line(std::string("-A ") + kMarkMasqChain + " -m mark --mark " + mark + " -j MASQUERADE");
  if (conf.snat && !conf.external_set_mark_chain && !anyJump(nat, "POSTROUTING", kMarkMasqChain)) {
    t.line(std::string("-I POSTROUTING 1 -m comment --comment ") +
           nf::iptablesQuote("CNI portfwd requiring masquerade") + " -j " + kMarkMasqChain);
  }
  for (const char* entry : {"PREROUTING", "OUTPUT"}) {
    if (!anyJump(nat, entry, kTopDnatChain)) {
      t.line(std::string("-A ") + entry + " -m addrtype --dst-type LOCAL -j " + kTopDnatChain);
    }
  }
  // Entry rules to the container chain: old ones removed, new ones first in the chain.
  for (const auto& r : rulesOf(nat, kTopDnatChain)) {
    if (jumpsTo(r, dn)) t.line("-D" + r.substr(2));
  }
  std::string comment = "dnat name: \"" + conf.name + "\" id: \"" + container_id + "\"";
  if (comment.size() > 256) comment.resize(256);
  std::map<std::string, std::vector<std::string>> by_proto;
  for (const auto& m : conf.mappings) by_proto[m.protocol].push_back(std::to_string(m.host_port));
  const auto& conds = v6 ? conf.conditions_v6 : conf.conditions_v4;
  std::vector<std::string> entries;
  for (const auto& [proto, ports] : by_proto) {
    for (size_t i = 0; i < ports.size(); i += 15) {
      std::vector<std::string> part(ports.begin() + i,
                                    ports.begin() + std::min(ports.size(), i + 15));
      std::string r = "-m comment --comment " + nf::iptablesQuote(comment) + " -m multiport -p " +
                      proto + " --destination-ports " + join(part, ",");
      if (conds && !conds->empty()) r += " " + join(*conds, " ");
      entries.push_back(r + " -j " + dn);
    }
  }
  // Each entry is inserted at the top, as the reference's insertUnique(prepend) does.
  for (const auto& e : entries) t.line(std::string("-I ") + kTopDnatChain + " 1 " + e);

  for (const auto& m : conf.mappings) {
    bool with_dst = false;
    if (!m.host_ip.empty()) {
      auto hip = IpAddr::parse(m.host_ip);
      if (!hip.ok() || hip->isV4() == v6) continue;
      with_dst = !(*hip == IpAddr::parse(hip->isV4() ? "0.0.0.0" : "::").value());
    }
    std::string base = "-A " + dn + " -p " + m.protocol + " --dport " +
                       std::to_string(m.host_port) + (with_dst ? " -d " + m.host_ip : "");
    if (conf.snat) {
      std::string masq_cidr = conf.masq_all ? (v6 ? "::/0" : "0.0.0.0/0") : container.toString();
      t.line(base + " -s " + masq_cidr + " -j " + setmark);
      if (!v6 && !conf.masq_all) t.line(base + " -s 127.0.0.1 -j " + setmark);
    }
    t.line(base + " -j DNAT --to-destination " + ipPort(container.ip, m.container_port));
  }
  return t.str();
}

std::string iptablesUnforwardText(const std::string& network, const std::string& container_id,
                                  const nf::IptablesTableDump& nat) {
  nf::IptablesRestoreText t;
  t.table("nat");
  bool any = false;
  teardownChain(t, nat, dnatChainName(network, container_id), kTopDnatChain, &any);
  // Left by old plugin versions.
  teardownChain(t, nat, formatChainName(network, container_id, "SN-"), "CNI-HOSTPORT-SNAT", &any);
  return any ? t.str() : "";
}

Status iptablesForwardPorts(nf::IptablesRunner& r, const PortMapConf& conf,
                            const std::string& container_id, const IpNet& container) {
  bool v6 = !container.ip.isV4();
  ORCH_ASSIGN_OR_RETURN(auto nat, saveNat(r, v6));
  return r
      .restore(v6 ? nf::IpFamily::kV6 : nf::IpFamily::kV4,
               iptablesForwardText(conf, container_id, container, nat))
      .withContext("unable to setup DNAT");
}

Status iptablesUnforwardPorts(nf::IptablesRunner& r, const std::string& network,
                              const std::string& container_id) {
  for (bool v6 : {false, true}) {
    auto nat = saveNat(r, v6);
    if (!nat.ok()) {
      if (v6) continue;  // no ip6tables here: nothing was set up for IPv6 either
      return nat.status();
    }
    std::string text = iptablesUnforwardText(network, container_id, *nat);
    if (text.empty()) continue;
    ORCH_RETURN_IF_ERROR(
        r.restore(v6 ? nf::IpFamily::kV6 : nf::IpFamily::kV4, text)
            .withContext(v6 ? "could not teardown ipv6 dnat" : "could not teardown ipv4 dnat"));
  }
  return Status::ok();
}

Status iptablesCheckPorts(nf::IptablesRunner& r, const PortMapConf& conf,
                          const std::string& container_id, const IpNet& container) {
  bool v6 = !container.ip.isV4();
  ORCH_ASSIGN_OR_RETURN(auto nat, saveNat(r, v6));
  std::string dn = dnatChainName(conf.name, container_id);
  if (!hasChain(nat, dn))
    return Status::error(EIO, "could not check dnat: chain " + dn + " missing");
  if (!anyJump(nat, kTopDnatChain, dn)) {
    return Status::error(EIO, "could not check dnat: no entry rule to " + dn);
  }
  size_t dnat_rules = 0;
  for (const auto& rule : rulesOf(nat, dn)) dnat_rules += rule.find("-j DNAT") != std::string::npos;
  size_t want = 0;
  for (const auto& m : conf.mappings) {
    if (!m.host_ip.empty()) {
      auto hip = IpAddr::parse(m.host_ip);
      if (!hip.ok() || hip->isV4() == v6) continue;
    }
    ++want;
  }
  if (dnat_rules < want) return Status::error(EIO, "could not check dnat: rules missing in " + dn);
  return Status::ok();
}

}  // namespace orch::cni::portmap
