#pragma once
// Network sysctls under /proc/sys/net, by plain file IO. /proc/sys/net shows the
// network namespace of the *calling thread*: to touch another namespace's settings,
// call these inside NetNs::run. Errors: "write sysctl net.ipv4.ip_forward: EACCES".

#include <string>
#include <string_view>

#include "common/base/status.h"
#include "common/netlink/ip_address.h"

namespace orch::netlink {

// "net.ipv4.ip_forward" → "/proc/sys/net/ipv4/ip_forward". As sysctl(8): when the key
// contains a '/', '/' separates and '.' is literal ("net/ipv4/conf/eth0.100/rp_filter").
// EINVAL for empty keys, keys outside net., or ".." components.
Result<std::string> sysctlPath(std::string_view key);
// "/proc/sys/net/<ipv4|ipv6>/conf/<ifname>/<param>"; ifname may contain dots.
// EINVAL for an invalid interface name or parameter.
Result<std::string> interfaceSysctlPath(IpFamily family, std::string_view ifname,
                                        std::string_view param);

// The value without its trailing newline.
Result<std::string> readSysctl(std::string_view key);
Status writeSysctl(std::string_view key, std::string_view value);
Result<std::string> readInterfaceSysctl(IpFamily family, std::string_view ifname,
                                        std::string_view param);
Status writeInterfaceSysctl(IpFamily family, std::string_view ifname, std::string_view param,
                            std::string_view value);

}  // namespace orch::netlink
