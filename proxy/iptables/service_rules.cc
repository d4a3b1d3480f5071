#include "proxy/iptables/service_rules.h"

#include <cstdio>
#include <set>

#include "common/netfilter/iptables.h"
#include "proxy/iptables/chain_names.h"

namespace orch::proxy::iptables {

namespace {

// kube-proxy's probability text: 1/n with ten decimals.
std::string probability(size_t n) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%0.10f", 1.0 / static_cast<double>(n));
  return buf;
}

std::vector<EndpointInfo> dedupe(const std::vector<EndpointInfo>& eps) {
  std::vector<EndpointInfo> out;
  std::set<std::string> seen;
  for (const auto& ep : eps) {
    if (seen.insert(joinHostPort(ep.ip, ep.port)).second) out.push_back(ep);
  }
  return out;
}

class Builder {
 public:
  Builder(const ProxyConfig& config, const ServicePortInfo& svc, bool large_cluster)
      : config_(config),
        svc_(svc),
        name_(svc.name.str()),
        proto_(protocolLowerName(svc.name.protocol)),
        large_cluster_(large_cluster) {}

  // "-m comment --comment C -m <proto> -p <proto> -d IP --dport PORT"
  std::string match(const std::string& comment, const std::string& ip, uint16_t port) const {
    return "-m comment --comment " + commentArg(comment) + " -m " + proto_ + " -p " + proto_ +
           " -d " + ip + " --dport " + std::to_string(port);
  }
  std::string nodePortMatch(const std::string& comment) const {
    return "-m comment --comment " + commentArg(comment) + " -m addrtype --dst-type LOCAL -m " +
           proto_ + " -p " + proto_ + " --dport " + std::to_string(svc_.node_port);
  }

  ServiceRules build(const std::vector<EndpointInfo>& endpoints) {
    SelectedEndpoints sel = selectEndpoints(svc_, endpoints);
    const bool has_endpoints = sel.has_any_endpoints;
    const bool has_internal = !sel.internal.empty();
    const bool has_external = !sel.external.empty();
    const bool ext_accessible =
        svc_.node_port != 0 || !svc_.external_ips.empty() || !svc_.load_balancer_ips.empty();
    std::vector<EndpointInfo> cluster = dedupe(sel.cluster);
    std::vector<EndpointInfo> local = dedupe(sel.local);
    // With externalTrafficPolicy Local, traffic from pods and from the node itself to an
    // external destination short-circuits to the cluster endpoints (as kube-proxy does).
    // selectEndpoints() leaves `.cluster` empty when both policies are Local, so ask it
    // what Cluster policy would pick.
    const bool short_circuit = has_endpoints && ext_accessible && svc_.external_policy_local;
    remote_hairpin_ = short_circuit || config_.anySourceMayHairpin();  // see hasOwnChain
    if (short_circuit && cluster.empty()) {
      ServicePortInfo as_cluster = svc_;
      as_cluster.internal_policy_local = false;
      cluster = dedupe(selectEndpoints(as_cluster, endpoints).cluster);
    }

    const std::string svc_chain = serviceClusterChain(svc_.name);
    const std::string svl_chain = serviceLocalChain(svc_.name);
    const std::string ext_chain = serviceExternalChain(svc_.name);
    const std::string fw_chain = serviceFirewallChain(svc_.name);
    const std::string& internal_chain = svc_.internal_policy_local ? svl_chain : svc_chain;
    const std::string& external_policy_chain = svc_.external_policy_local ? svl_chain : svc_chain;

    const bool uses_ext_chain = has_endpoints && ext_accessible;
    const bool uses_fw_chain = has_endpoints && !svc_.load_balancer_ips.empty() &&
                               !svc_.load_balancer_source_ranges.empty();
    const std::string& lb_chain = uses_fw_chain ? fw_chain : ext_chain;
    const bool uses_svc =
        !cluster.empty() && ((has_internal && !svc_.internal_policy_local) ||
                             (has_external && !svc_.external_policy_local) || short_circuit);
    const bool uses_svl = !local.empty() && ((has_internal && svc_.internal_policy_local) ||
                                             (has_external && svc_.external_policy_local));

    std::string internal_filter_target, internal_filter_comment;
    std::string external_filter_target, external_filter_comment;
    if (!has_endpoints) {
      internal_filter_target = external_filter_target = "REJECT";
      internal_filter_comment = external_filter_comment = name_ + " has no endpoints";
    } else {
      if (!has_internal) {
        internal_filter_target = "DROP";
        internal_filter_comment = name_ + " has no local endpoints";
      }
      if (!has_external) {
        external_filter_target = "DROP";
        external_filter_comment = name_ + " has no local endpoints";
      }
    }

    // The cluster IP.
    if (has_internal) {
      nat("-A " + std::string(kServicesChain) + " " +
          match(name_ + " cluster IP", svc_.cluster_ip, svc_.port) + " -j " + internal_chain);
    } else {
      filter("-A " + std::string(kServicesChain) + " " +
             match(internal_filter_comment, svc_.cluster_ip, svc_.port) + " -j " +
             internal_filter_target);
    }
    // External IPs.
    for (const auto& ip : svc_.external_ips) {
      if (has_endpoints) {
        nat("-A " + std::string(kServicesChain) + " " +
            match(name_ + " external IP", ip, svc_.port) + " -j " + ext_chain);
      }
      if (!has_external) {
        filter("-A " + std::string(kExternalServicesChain) + " " +
               match(external_filter_comment, ip, svc_.port) + " -j " + external_filter_target);
      }
    }
    // Load-balancer ingress IPs.
    for (const auto& ip : svc_.load_balancer_ips) {
      if (has_endpoints) {
        nat("-A " + std::string(kServicesChain) + " " +
            match(name_ + " loadbalancer IP", ip, svc_.port) + " -j " + lb_chain);
      }
      if (uses_fw_chain) {
        filter("-A " + std::string(kProxyFirewallChain) + " " +
               match(name_ + " traffic not accepted by " + fw_chain, ip, svc_.port) + " -j DROP");
      }
    }
    if (!has_external) {
      for (const auto& ip : svc_.load_balancer_ips) {
        filter("-A " + std::string(kExternalServicesChain) + " " +
               match(external_filter_comment, ip, svc_.port) + " -j " + external_filter_target);
      }
    }
    // The node port.
    if (svc_.node_port != 0) {
      if (has_endpoints) {
        nat("-A " + std::string(kNodePortsChain) + " -m comment --comment " + commentArg(name_) +
            " -m " + proto_ + " -p " + proto_ + " --dport " + std::to_string(svc_.node_port) +
            " -j " + ext_chain);
      }
      if (!has_external) {
        filter("-A " + std::string(kExternalServicesChain) + " " +
               nodePortMatch(external_filter_comment) + " -j " + external_filter_target);
      }
    }
    // The health check node port (served by the daemon) is always let in.
    if (svc_.health_check_node_port != 0) {
      filter("-A " + std::string(kNodePortsChain) + " -m comment --comment " +
             commentArg(name_ + " health check node port") + " -m tcp -p tcp --dport " +
             std::to_string(svc_.health_check_node_port) + " -j ACCEPT");
    }

    // Declare the service's chains in a fixed order.
    if (uses_svc) out_.nat_chains.push_back(svc_chain);
    if (uses_svl) out_.nat_chains.push_back(svl_chain);
    if (uses_ext_chain) out_.nat_chains.push_back(ext_chain);
    if (uses_fw_chain) out_.nat_chains.push_back(fw_chain);

    // Off-cluster traffic to the cluster IP is masqueraded (it may be routed to us).
    if (has_internal) {
      std::string args =
          "-A " + internal_chain + " " + match(name_ + " cluster IP", svc_.cluster_ip, svc_.port);
      if (config_.masquerade_all) {
        own(args + " -j " + kMarkMasqChain);
      } else if (config_.cluster_cidrs.size() == 1) {
        own(args + " ! -s " + config_.cluster_cidrs[0] + " -j " + kMarkMasqChain);
      } else if (config_.cluster_cidrs.size() > 1) {
        own(args + " -j " + kMasqNonClusterChain);
      }
    }
    if (uses_ext_chain) {
      if (!svc_.external_policy_local) {
        own("-A " + ext_chain + " -m comment --comment " +
            commentArg("masquerade traffic for " + name_ + " external destinations") + " -j " +
            kMarkMasqChain);
      } else {
        for (const auto& cidr : config_.cluster_cidrs) {
          own("-A " + ext_chain + " -m comment --comment " +
              commentArg("pod traffic for " + name_ + " external destinations") + " -s " + cidr +
              " -j " + svc_chain);
        }
        own("-A " + ext_chain + " -m comment --comment " +
            commentArg("masquerade LOCAL traffic for " + name_ + " external destinations") +
            " -m addrtype --src-type LOCAL -j " + kMarkMasqChain);
        own("-A " + ext_chain + " -m comment --comment " +
            commentArg("route LOCAL traffic for " + name_ + " external destinations") +
            " -m addrtype --src-type LOCAL -j " + svc_chain);
      }
      if (has_external) own("-A " + ext_chain + " -j " + external_policy_chain);
    }
    if (uses_fw_chain) {
      std::string args =
          "-A " + fw_chain + " -m comment --comment " + commentArg(name_ + " loadbalancer IP");
      for (const auto& cidr : svc_.load_balancer_source_ranges) {
        own(args + " -s " + cidr + " -j " + ext_chain);
      }
      // What reaches the end was not DNATed; ORCH-PROXY-FIREWALL drops it in filter.
      own("-A " + fw_chain + " -m comment --comment " +
          commentArg("other traffic to " + name_ + " will be dropped by " + kProxyFirewallChain));
    }
    if (uses_svc) endpointRules(svc_chain, cluster);
    if (uses_svl) endpointRules(svl_chain, local);

    // A chain per endpoint that needs one (see hasOwnChain), reached from SVC or SVL.
    std::set<std::string> done;
    auto sep = [&](const std::vector<EndpointInfo>& eps) {
      for (const auto& ep : eps) {
        if (!hasOwnChain(ep)) continue;
        std::string hp = joinHostPort(ep.ip, ep.port);
        std::string chain = endpointChain(svc_.name, hp);
        if (!done.insert(chain).second) continue;
        out_.nat_chains.push_back(chain);
        std::string args = "-A " + chain + endpointComment(name_);
        // Hairpin: an endpoint reaching itself through the Service is masqueraded.
        own(args + " -s " + ep.ip + " -j " + kMarkMasqChain);
        if (svc_.session_affinity) args += " -m recent --name " + chain + " --set";
        own(args + " -m " + proto_ + " -p " + proto_ + " -j DNAT --to-destination " + hp);
      }
    };
    if (uses_svc) sep(cluster);
    if (uses_svl) sep(local);
    return std::move(out_);
  }

 private:
  void endpointRules(const std::string& chain, const std::vector<EndpointInfo>& eps) {
    if (svc_.session_affinity) {
      for (const auto& ep : eps) {
        std::string hp = joinHostPort(ep.ip, ep.port);
        std::string sep = endpointChain(svc_.name, hp);
        own("-A " + chain + endpointComment(name_ + " -> " + hp) + " -m recent --name " + sep +
            " --rcheck --seconds " + std::to_string(svc_.affinity_timeout_s) + " --reap -j " + sep);
      }
    }
    // Hairpin for the endpoints without a chain: marked before the choice (see hasOwnChain).
    std::set<std::string> marked;
    for (const auto& ep : eps) {
      if (remote_hairpin_ && !hasOwnChain(ep) && marked.insert(ep.ip).second) {
        own("-A " + chain + endpointComment(name_) + " -s " + ep.ip + " -j " + kMarkMasqChain);
      }
    }
    for (size_t i = 0; i < eps.size(); ++i) {
      std::string hp = joinHostPort(eps[i].ip, eps[i].port);
      std::string line = "-A " + chain + endpointComment(name_ + " -> " + hp);
      if (i + 1 < eps.size()) {
        line += " -m statistic --mode random --probability " + probability(eps.size() - i);
      }
      if (hasOwnChain(eps[i])) {
        own(line + " -j " + endpointChain(svc_.name, hp));
      } else {
        own(line + " -m " + proto_ + " -p " + proto_ + " -j DNAT --to-destination " + hp);
      }
    }
  }

  // kube-proxy gives every endpoint a chain (ORCH-SEP-*) for two jobs after the random
  // choice: the affinity's "recent --set", and the hairpin mark (an endpoint reaching
  // itself through the Service is masqueraded, or its reply would bypass the DNAT).
  // Here, without affinity, only local endpoints keep a chain. A remote endpoint's own
  // traffic comes through this node un-NATed only where pods' traffic to an external
  // destination with externalTrafficPolicy Local short-circuits to the cluster endpoints
  // (a pod of another node reaching this node's node port); a pod reaches a cluster IP
  // through its own node's rules. There (remote_hairpin_) remote endpoints are marked
  // before the choice: the hairpin still works, at the price of a masquerade also when the
  // connection lands on another endpoint. That saves most chains, and iptables-restore's
  // time grows with the square of the chain count (libxtables keeps chain names in 512
  // hash lists).
  bool hasOwnChain(const EndpointInfo& ep) const { return svc_.session_affinity || ep.is_local; }

  // " -m comment --comment C", or nothing in large-cluster mode.
  std::string endpointComment(const std::string& comment) const {
    return large_cluster_ ? "" : " -m comment --comment " + commentArg(comment);
  }

  void nat(std::string line) { addShared(out_.nat_shared, nat_seen_, std::move(line)); }
  void filter(std::string line) { addShared(out_.filter_shared, filter_seen_, std::move(line)); }
  void own(std::string line) { out_.nat_chain_rules.push_back(std::move(line)); }
  static void addShared(std::vector<std::string>& v, std::set<std::string>& seen,
                        std::string line) {
    if (seen.insert(line).second) v.push_back(std::move(line));
  }

  const ProxyConfig& config_;
  const ServicePortInfo& svc_;
  const std::string name_;
  const std::string proto_;
  const bool large_cluster_;
  bool remote_hairpin_ = false;  // mark remote endpoints before the choice (hasOwnChain)
  ServiceRules out_;
  std::set<std::string> nat_seen_, filter_seen_;
};

}  // namespace

std::string commentArg(const std::string& comment) {
  bool plain = !comment.empty();
  for (char c : comment) {
    if (c == ' ' || c == '"' || c == '\\' || c == '\'' || c == '\t') plain = false;
  }
  return plain ? comment : netfilter::iptablesQuote(comment);
}

ServiceRules buildServiceRules(const ProxyConfig& config, const ServicePortInfo& svc,
                               const std::vector<EndpointInfo>& endpoints, bool large_cluster) {
  return Builder(config, svc, large_cluster).build(endpoints);
}

}  // namespace orch::proxy::iptables
