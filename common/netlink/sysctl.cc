#include "common/netlink/sysctl.h"

#include <fcntl.h>
#include <net/if.h>
#include <unistd.h>

#include "common/base/unique_fd.h"

namespace orch::netlink {

namespace {

bool validComponent(std::string_view c) {
  return !c.empty() && c != "." && c != ".." && c.find('/') == std::string_view::npos &&
         c.find('\0') == std::string_view::npos;
}

Result<std::string> readPath(const std::string& path, const std::string& ctx) {
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd) return Status::fromErrno(ctx);
  std::string out;
  char buf[512];
  for (;;) {
    ssize_t n = ::read(fd.get(), buf, sizeof(buf));
    if (n < 0) {
      if (errno == EINTR) continue;
      return Status::fromErrno(ctx);
    }
    if (n == 0) break;
    out.append(buf, static_cast<size_t>(n));
  }
  while (!out.empty() && (out.back() == '\n' || out.back() == ' ')) out.pop_back();
  return out;
}

Status writePath(const std::string& path, std::string_view value, const std::string& ctx) {
  UniqueFd fd(::open(path.c_str(), O_WRONLY | O_CLOEXEC));
  if (!fd) return Status::fromErrno(ctx);
  // One write: /proc/sys handlers parse what one write() hands them.
  ssize_t n;
  do {
    n = ::write(fd.get(), value.data(), value.size());
  } while (n < 0 && errno == EINTR);
  if (n < 0) return Status::fromErrno(ctx);
  if (static_cast<size_t>(n) != value.size()) return Status::error(EIO, ctx + ": short write");
  return Status::ok();
}

}  // namespace

Result<std::string> sysctlPath(std::string_view key) {
  auto bad = [&] { return Status::invalid("invalid sysctl key \"" + std::string(key) + "\""); };
  if (key.empty()) return bad();
  char sep = key.find('/') != std::string_view::npos ? '/' : '.';
  std::string path = "/proc/sys";
  size_t start = 0;
  bool first = true;
  while (start <= key.size()) {
    size_t end = key.find(sep, start);
    if (end == std::string_view::npos) end = key.size();
    std::string_view comp = key.substr(start, end - start);
    if (!validComponent(comp)) return bad();
    if (first && comp != "net") return bad();
    first = false;
    path += "/";
    path += comp;
    start = end + 1;
  }
  return path;
}

Result<std::string> interfaceSysctlPath(IpFamily family, std::string_view ifname,
                                        std::string_view param) {
  if (!validComponent(ifname) || ifname.size() >= IFNAMSIZ) {
    return Status::invalid("invalid interface name \"" + std::string(ifname) + "\"");
  }
  if (!validComponent(param)) {
    return Status::invalid("invalid sysctl parameter \"" + std::string(param) + "\"");
  }
  return std::string("/proc/sys/net/") + familyName(family) + "/conf/" + std::string(ifname) + "/" +
         std::string(param);
}

Result<std::string> readSysctl(std::string_view key) {
  ORCH_ASSIGN_OR_RETURN(std::string path, sysctlPath(key));
  return readPath(path, "read sysctl " + std::string(key));
}

Status writeSysctl(std::string_view key, std::string_view value) {
  ORCH_ASSIGN_OR_RETURN(std::string path, sysctlPath(key));
  return writePath(path, value, "write sysctl " + std::string(key));
}

Result<std::string> readInterfaceSysctl(IpFamily family, std::string_view ifname,
                                        std::string_view param) {
  ORCH_ASSIGN_OR_RETURN(std::string path, interfaceSysctlPath(family, ifname, param));
  return readPath(path, "read sysctl " + path);
}

Status writeInterfaceSysctl(IpFamily family, std::string_view ifname, std::string_view param,
                            std::string_view value) {
  ORCH_ASSIGN_OR_RETURN(std::string path, interfaceSysctlPath(family, ifname, param));
  return writePath(path, value, "write sysctl " + path);
}

}  // namespace orch::netlink
