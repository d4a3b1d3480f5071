#include "tests/integration/cni_bridge/cni_harness.h"

#include <dirent.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <sstream>

#include "common/base/process.h"

namespace orch::testing::cnib {

using nlohmann::json;

std::string ourPluginDir() {
  const char* d = std::getenv("ORCH_CNI_PLUGIN_DIR");
  return d ? d : "build/cni-plugins";
}

CniReply runPlugin(const TestNetns& host, const CniCall& call, const std::string& config) {
  ProcessOptions opts;
  opts.argv = {"ip", "netns", "exec", host.name(), call.plugin_dir + "/" + call.plugin};
  std::vector<std::string> env = {
      "PATH=/usr/sbin:/usr/bin:/sbin:/bin",   "CNI_COMMAND=" + call.command,
      "CNI_CONTAINERID=" + call.container_id, "CNI_IFNAME=" + call.ifname,
      "CNI_PATH=" + call.plugin_dir,          "CNI_ARGS=" + call.args};
  if (!call.omit_netns) env.push_back("CNI_NETNS=" + call.netns_path);
  opts.env = env;
  opts.pipe_stdin = opts.pipe_stdout = opts.pipe_stderr = true;
  CniReply reply;
  auto r = runProcess(opts, config, std::chrono::seconds(60));
  if (!r.ok()) {
    reply.err = r.status().message();
    return reply;
  }
  reply.exit_code = r->exit_code;
  reply.out = r->out;
  reply.err = r->err;
  try {
    if (!r->out.empty()) reply.json = json::parse(r->out);
  } catch (const json::exception&) {
  }
  return reply;
}

std::string describe(const State& s) {
  std::ostringstream o;
  o << "cont_link=" << s.cont_link << " up=" << s.cont_up << " mtu=" << s.cont_mtu
    << " mac=" << s.cont_mac << " addrs=[";
  for (const auto& a : s.cont_addrs) o << a << " ";
  o << "] routes=[";
  for (const auto& a : s.cont_routes) o << a << "; ";
  o << "] bridge=" << s.bridge << " mtu=" << s.bridge_mtu << " promisc=" << s.bridge_promisc
    << " baddrs=[";
  for (const auto& a : s.bridge_addrs) o << a << " ";
  o << "] ports=" << s.ports << " flags=" << s.port_flags << " vlans=" << s.port_vlans;
  return o.str();
}

namespace {

std::vector<std::string> globalAddrs(const TestNetns& ns, const std::string& dev) {
  std::vector<std::string> out;
  auto j = ns.ipJson({"addr", "show", "dev", dev});
  if (!j.ok() || !j->is_array() || j->empty()) return out;
  for (const auto& a : (*j)[0].value("addr_info", json::array())) {
    if (a.value("scope", "") != "global") continue;
    out.push_back(a.value("local", "") + "/" + std::to_string(a.value("prefixlen", 0)));
  }
  std::sort(out.begin(), out.end());
  return out;
}

std::vector<std::string> routes(const TestNetns& ns, const std::string& fam) {
  std::vector<std::string> out;
  auto j = ns.ipJson({fam, "route", "show", "table", "main"});
  if (!j.ok() || !j->is_array()) return out;
  for (const auto& r : *j) {
    if (r.value("protocol", "") == "kernel") continue;
    std::string s =
        r.value("dst", "") + " via " + r.value("gateway", "-") + " dev " + r.value("dev", "");
    out.push_back(s);
  }
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace

State readState(TestNetns& host, TestNetns& cont, const std::string& ifname,
                const std::string& bridge) {
  State s;
  auto cl = cont.nl().getLink(ifname);
  if (cl.ok()) {
    s.cont_link = true;
    s.cont_up = cl->up();
    s.cont_mtu = cl->mtu;
    s.cont_mac = cl->mac;
    s.cont_addrs = globalAddrs(cont, ifname);
    for (const char* fam : {"-4", "-6"}) {
      for (auto& r : routes(cont, fam)) s.cont_routes.push_back(r);
    }
  }
  auto br = host.nl().getLink(bridge);
  if (br.ok() && br->kind == "bridge") {
    s.bridge = true;
    s.bridge_mtu = br->mtu;
    s.bridge_promisc = br->promisc();
    s.bridge_addrs = globalAddrs(host, bridge);
    auto links = host.nl().listLinks();
    if (links.ok()) {
      for (const auto& l : *links) {
        if (l.master != br->index || l.kind != "veth") continue;
        ++s.ports;
        if (cl.ok() && l.index == cl->link) {
          auto f = host.nl().getBridgePortFlags(l.name);
          if (f.ok()) {
            s.port_flags = "hairpin=" + std::to_string(f->hairpin.value_or(false)) +
                           " isolated=" + std::to_string(f->isolated.value_or(false));
          }
          auto v = host.nl().listBridgeVlans(l.name);
          if (v.ok()) {
            for (const auto& x : *v) {
              s.port_vlans += std::to_string(x.vid) + (x.pvid ? " pvid" : "") +
                              (x.untagged ? " untagged" : "") + "; ";
            }
          }
        }
      }
    }
  }
  return s;
}

int vethCount(TestNetns& ns) {
  auto links = ns.nl().listLinks();
  if (!links.ok()) return -1;
  return static_cast<int>(
      std::count_if(links->begin(), links->end(), [](const auto& l) { return l.kind == "veth"; }));
}

std::string nftRuleset(const TestNetns& ns) {
  auto r = ns.exec({"nft", "list", "ruleset"});
  return r.ok() ? r->out : "";
}

std::string iptablesNat(const TestNetns& ns, bool v6) {
  auto r = ns.exec({v6 ? "ip6tables-save" : "iptables-save", "-t", "nat"});
  return r.ok() ? r->out : "";
}

std::vector<std::string> listDir(const std::string& dir) {
  std::vector<std::string> out;
  DIR* d = ::opendir(dir.c_str());
  if (!d) return out;
  while (auto* e = ::readdir(d)) {
    std::string n = e->d_name;
    if (n != "." && n != "..") out.push_back(n);
  }
  ::closedir(d);
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace orch::testing::cnib
