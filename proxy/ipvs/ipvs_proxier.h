#pragma once
// The IPVS backend of orch-proxy (issue 7 item 6): IPVS virtual servers and real
// servers as planned by ipvs_plan.h, the VIPs bound on the link `orch-ipvs0`, and a
// small nftables table `orch-proxy-ipvs` (per family) for masquerade and reject.
//
// sync(): computes the plan, then
//   1. creates the VIP link when missing and makes its addresses of this family equal
//      to the plan's cluster/external/LB IPs;
//   2. lists the kernel's virtual servers of this family and diffs: adds missing ones,
//      updates those whose scheduler/flags/timeout differ, deletes ours that are no
//      longer wanted (ours: address bound on the VIP link, a NodePort address, or
//      created by this object). Real servers are listed and diffed only for virtual
//      servers that are new, updated, whose planned real servers changed since the
//      last sync, that belong to a Service port in `changes`, or on a full resync;
//   3. replaces the nft table when its content changed (or on a full resync), in one
//      atomic transaction.
// It continues past a failed kernel operation and returns the first error (the core
// then retries with a full resync). The first sync also writes the sysctls IPVS needs
// (net.ipv4.vs.conntrack=1 so that the nat chains see IPVS traffic,
// net.ipv4.vs.expire_nodest_conn=1, net.ipv4.ip_forward=1, and IPv6 forwarding for v6).
//
// cleanup(): deletes our virtual servers (every one with cleanup_all_services, as
// kube-proxy's --cleanup flushes IPVS), the VIP link and the nft table. Idempotent;
// without IPVS (no IpvsOps) it removes the link and the table only.
// Threads: one caller at a time (the core's sync thread).

#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "common/base/status.h"
#include "common/netfilter/nft_ops.h"
#include "proxy/core/proxier.h"
#include "proxy/ipvs/ipvs_ops.h"
#include "proxy/ipvs/vip_link.h"

namespace orch::proxy {

struct IpvsOptions {
  std::string scheduler = "rr";  // rr, lc, sh, wrr, ... (an IPVS scheduler module)
  std::string link_name = "orch-ipvs0";
  std::string table_name = "orch-proxy-ipvs";
  uint32_t masquerade_mark = 0x4000;
  // cleanup() deletes every IPVS virtual server, not only ours (for --cleanup).
  bool cleanup_all_services = false;
};

// What the proxier drives; the real ones come from newIpvsProxier.
struct IpvsDeps {
  std::unique_ptr<IpvsOps> ipvs;  // null: the kernel has no IPVS (sync fails, cleanup skips it)
  std::unique_ptr<VipLink> link;
  std::unique_ptr<netfilter::NftOps> nft;
  // Writes a sysctl ("net.ipv4.vs.conntrack", "1"); empty: none are written.
  std::function<Status(std::string_view key, std::string_view value)> write_sysctl;
};

// The real backend in the calling thread's network namespace: generic netlink IPVS,
// a netlink VIP link, nftables over libmnl and /proc/sys (sysctls are written from a
// thread inside that namespace, so sync() may then be called from any one thread). Fails with
// EOPNOTSUPP
// ("kernel has no IP_VS ...") when the kernel has no IPVS; EINVAL for an empty scheduler.
Result<std::unique_ptr<Proxier>> newIpvsProxier(IpFamily family, const IpvsOptions& opts);

// The same logic over injected dependencies (tests, or the daemon with its own).
std::unique_ptr<Proxier> newIpvsProxierWithDeps(IpFamily family, const IpvsOptions& opts,
                                                IpvsDeps deps);

// For --cleanup on any kernel: removes what the IPVS backend of `family` installs in
// the calling thread's namespace (IPVS virtual servers only where IPVS exists).
Status cleanupIpvsLeftovers(IpFamily family, const IpvsOptions& opts);

}  // namespace orch::proxy
