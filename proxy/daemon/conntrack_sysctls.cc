#include "proxy/daemon/conntrack_sysctls.h"

#include <unistd.h>

#include <algorithm>

#include "common/netlink/sysctl.h"

namespace orch::proxy {

std::vector<std::pair<std::string, std::string>> conntrackSysctls(const ConntrackSettings& s,
                                                                  int cpus) {
  std::vector<std::pair<std::string, std::string>> out;
  if (s.max_per_core && *s.max_per_core > 0) {
    int64_t max = static_cast<int64_t>(*s.max_per_core) * std::max(cpus, 1);
    max = std::max<int64_t>(max, s.min.value_or(0));
    out.emplace_back("net/netfilter/nf_conntrack_max", std::to_string(max));
  }
  auto secs = [](std::chrono::nanoseconds d) {
    return std::to_string(std::chrono::duration_cast<std::chrono::seconds>(d).count());
  };
  const std::pair<const char*, const std::optional<std::chrono::nanoseconds>*> timeouts[] = {
      {"net/netfilter/nf_conntrack_tcp_timeout_established", &s.tcp_established_timeout},
      {"net/netfilter/nf_conntrack_tcp_timeout_close_wait", &s.tcp_close_wait_timeout},
      {"net/netfilter/nf_conntrack_udp_timeout", &s.udp_timeout},
      {"net/netfilter/nf_conntrack_udp_timeout_stream", &s.udp_stream_timeout}};
  for (const auto& [key, value] : timeouts)
    if (*value && value->value().count() > 0) out.emplace_back(key, secs(value->value()));
  if (s.tcp_be_liberal && *s.tcp_be_liberal)
    out.emplace_back("net/netfilter/nf_conntrack_tcp_be_liberal", "1");
  return out;
}

Status applyConntrackSysctls(const ConntrackSettings& s) {
  const long cpus = sysconf(_SC_NPROCESSORS_ONLN);
  Status first;
  for (const auto& [key, value] : conntrackSysctls(s, static_cast<int>(cpus))) {
    Status st = netlink::writeSysctl(key, value);
    if (!st.isOk() && first.isOk()) first = st;
  }
  return first;
}

}  // namespace orch::proxy
