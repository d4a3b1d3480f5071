#include "agent/node/linux_host_probe.h"

#include <linux/rtnetlink.h>
#include <sys/statvfs.h>
#include <sys/sysinfo.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <climits>
#include <filesystem>
#include <map>
#include <optional>

#include "common/base/file_util.h"
#include "common/netlink/netlink.h"

namespace orch::agent {
namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() &&
         (s.front() == ' ' || s.front() == '\t' || s.front() == '\n' || s.front() == '\r')) {
    s.remove_prefix(1);
  }
  while (!s.empty() &&
         (s.back() == ' ' || s.back() == '\t' || s.back() == '\n' || s.back() == '\r')) {
    s.remove_suffix(1);
  }
  return s;
}

std::optional<int64_t> toInt(std::string_view s) {
  s = trim(s);
  int64_t v = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || p != s.data() + s.size()) return std::nullopt;
  return v;
}

// An optional file: its trimmed content, or "" when it can't be read.
std::string readTrimmed(const std::string& path) {
  auto text = readFile(path);
  return text.ok() ? std::string(trim(*text)) : std::string();
}

Result<int64_t> readInt(const std::string& path) {
  ORCH_ASSIGN_OR_RETURN(std::string text, readFile(path));
  auto v = toInt(text);
  if (!v) return Status::invalid(path + ": not an integer: \"" + std::string(trim(text)) + "\"");
  return *v;
}

}  // namespace

Result<MemoryStats> parseMeminfo(std::string_view text) {
  std::map<std::string, int64_t, std::less<>> kb;
  while (!text.empty()) {
    size_t nl = text.find('\n');
    std::string_view line = text.substr(0, nl);
    text = nl == std::string_view::npos ? std::string_view() : text.substr(nl + 1);
    size_t colon = line.find(':');
    if (colon == std::string_view::npos) continue;
    std::string_view value = trim(line.substr(colon + 1));
    if (value.ends_with("kB")) value = trim(value.substr(0, value.size() - 2));
    if (auto v = toInt(value)) kb[std::string(line.substr(0, colon))] = *v;
  }
  auto get = [&](std::string_view key) -> std::optional<int64_t> {
    auto it = kb.find(key);
    return it == kb.end() ? std::nullopt : std::optional<int64_t>(it->second);
  };
  auto total = get("MemTotal");
  if (!total) return Status::invalid("meminfo: no MemTotal");
  MemoryStats m;
  m.totalBytes = *total * 1024;
  if (auto avail = get("MemAvailable")) {
    m.availableBytes = *avail * 1024;
  } else {
    m.availableBytes =
        (get("MemFree").value_or(0) + get("Buffers").value_or(0) + get("Cached").value_or(0)) *
        1024;
  }
  return m;
}

std::string parseOsReleasePrettyName(std::string_view text) {
  std::string result;
  while (!text.empty()) {
    size_t nl = text.find('\n');
    std::string_view line = trim(text.substr(0, nl));
    text = nl == std::string_view::npos ? std::string_view() : text.substr(nl + 1);
    if (!line.starts_with("PRETTY_NAME=")) continue;
    std::string_view v = line.substr(std::string_view("PRETTY_NAME=").size());
    result.clear();
    // os-release values are shell words: quoted with "" or '' (backslash escapes in "").
    if (!v.empty() && (v.front() == '"' || v.front() == '\'')) {
      const char q = v.front();
      for (size_t i = 1; i < v.size() && v[i] != q; ++i) {
        if (q == '"' && v[i] == '\\' && i + 1 < v.size()) ++i;
        result += v[i];
      }
    } else {
      result = std::string(v);
    }
  }
  return result;
}

std::string LinuxHostProbe::path(std::string_view rel) const {
  std::string p = root_;
  if (!p.empty() && p.back() == '/') p.pop_back();
  return p + "/" + std::string(rel);
}

Result<int64_t> LinuxHostProbe::onlineCpus() {
  long n = sysconf(_SC_NPROCESSORS_ONLN);
  if (n <= 0) return Status::fromErrno("sysconf(_SC_NPROCESSORS_ONLN)");
  return static_cast<int64_t>(n);
}

Result<MemoryStats> LinuxHostProbe::memory() {
  const std::string file = path("proc/meminfo");
  ORCH_ASSIGN_OR_RETURN(std::string text, readFile(file));
  auto m = parseMeminfo(text);
  if (!m.ok()) return m.status().withContext(file);
  return m;
}

Result<FsStats> LinuxHostProbe::filesystem(const std::string& dir) {
  // The root dir may not exist before the agent first runs: measure where it will be.
  std::filesystem::path p = dir.empty() ? "/" : dir;
  std::error_code ec;
  while (!std::filesystem::exists(p, ec) && p.has_parent_path() && p != p.parent_path()) {
    p = p.parent_path();
  }
  struct statvfs st {};
  if (statvfs(p.c_str(), &st) != 0) return Status::fromErrno("statvfs " + p.string());
  FsStats fs;
  const auto frsize = static_cast<int64_t>(st.f_frsize != 0 ? st.f_frsize : st.f_bsize);
  fs.capacityBytes = static_cast<int64_t>(st.f_blocks) * frsize;
  fs.availableBytes = static_cast<int64_t>(st.f_bavail) * frsize;
  fs.inodes = static_cast<int64_t>(st.f_files);
  fs.inodesFree = static_cast<int64_t>(st.f_ffree);
  return fs;
}

Result<PidStats> LinuxHostProbe::pids() {
  PidStats ps;
  ORCH_ASSIGN_OR_RETURN(ps.max, readInt(path("proc/sys/kernel/pid_max")));
  // The kubelet takes the smaller of the two limits (pkg/kubelet/stats/pidlimit).
  auto threads_max = readInt(path("proc/sys/kernel/threads-max"));
  if (threads_max.ok() && *threads_max > 0) ps.max = std::min(ps.max, *threads_max);
  struct sysinfo info {};
  if (sysinfo(&info) != 0) return Status::fromErrno("sysinfo");
  ps.running = info.procs;
  return ps;
}

Result<SystemIds> LinuxHostProbe::systemIds() {
  SystemIds ids;
  ids.machineID = readTrimmed(path("etc/machine-id"));
  // Readable by root only on most machines; left empty otherwise, as cAdvisor does.
  ids.systemUUID = readTrimmed(path("sys/class/dmi/id/product_uuid"));
  ids.bootID = readTrimmed(path("proc/sys/kernel/random/boot_id"));
  struct utsname u {};
  if (uname(&u) != 0) return Status::fromErrno("uname");
  ids.kernelVersion = u.release;
  auto os_release = readFile(path("etc/os-release"));
  if (!os_release.ok()) os_release = readFile(path("usr/lib/os-release"));
  ids.osImage = os_release.ok() ? parseOsReleasePrettyName(*os_release) : "";
  if (ids.osImage.empty()) ids.osImage = "Linux";
  return ids;
}

Result<std::vector<std::string>> LinuxHostProbe::defaultRouteAddresses() {
  ORCH_ASSIGN_OR_RETURN(auto nl, netlink::Netlink::open());
  std::vector<std::string> out;
  for (auto family : {netlink::IpFamily::kV4, netlink::IpFamily::kV6}) {
    auto routes = nl.listRoutes(family, RT_TABLE_MAIN);
    if (!routes.ok()) return routes.status().withContext("list default routes");
    // The default route with the lowest metric wins, as the kernel picks it.
    std::optional<netlink::Route> best;
    for (const auto& r : *routes) {
      if (r.dst.has_value() || r.type != RTN_UNICAST) continue;
      if (!best || r.priority < best->priority) best = r;
    }
    if (!best) continue;
    std::string dev = best->dev;
    if (dev.empty()) {
      auto link = nl.getLinkByIndex(best->ifindex);
      if (!link.ok()) return link.status().withContext("default route interface");
      dev = link->name;
    }
    auto addrs = nl.listAddresses(dev, family);
    if (!addrs.ok()) return addrs.status().withContext("addresses of " + dev);
    for (const auto& a : *addrs) {
      if (a.scope != RT_SCOPE_UNIVERSE) continue;  // skips host (loopback) and link scope
      if (a.flags & (IFA_F_TENTATIVE | IFA_F_DADFAILED | IFA_F_DEPRECATED)) continue;
      out.push_back(a.prefix.address().toString());
      break;
    }
  }
  return out;
}

Result<std::string> LinuxHostProbe::hostname() {
  char buf[HOST_NAME_MAX + 1] = {};
  if (gethostname(buf, sizeof buf - 1) != 0) return Status::fromErrno("gethostname");
  return std::string(buf);
}

}  // namespace orch::agent
