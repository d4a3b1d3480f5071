// Cgroup layout detection from mountinfo, and the shares → weight conversion.

#include <optional>
#include <set>
#include <sstream>

#include "common/base/file_util.h"
#include "common/base/mountinfo.h"
#include "runtime-shim/container/cgroups.h"

namespace orch::shim {

namespace {

const std::set<std::string>& v1ControllerNames() {
  static const std::set<std::string> kNames = {
      "cpuset",  "cpu",      "cpuacct",    "blkio",   "memory", "devices", "freezer",
      "net_cls", "net_prio", "perf_event", "hugetlb", "pids",   "rdma",    "misc"};
  return kNames;
}

std::vector<std::string> split(const std::string& s, char sep) {
  std::vector<std::string> out;
  size_t start = 0;
  while (true) {
    size_t end = s.find(sep, start);
    out.push_back(s.substr(start, end - start));
    if (end == std::string::npos) break;
    start = end + 1;
  }
  return out;
}

}  // namespace

const CgroupHierarchy* CgroupLayout::v1(std::string_view controller) const {
  for (const CgroupHierarchy& h : hierarchies) {
    if (h.v2) continue;
    for (const std::string& c : h.controllers) {
      if (c == controller) return &h;
    }
  }
  return nullptr;
}

const CgroupHierarchy* CgroupLayout::unified() const {
  for (const CgroupHierarchy& h : hierarchies) {
    if (h.v2) return &h;
  }
  return nullptr;
}

Result<CgroupLayout> parseCgroupLayout(std::string_view mountinfo) {
  CgroupLayout layout;
  std::vector<CgroupHierarchy> v1;
  std::optional<CgroupHierarchy> v2;
  std::istringstream in{std::string(mountinfo)};
  std::string line;
  int lineno = 0;
  while (std::getline(in, line)) {
    ++lineno;
    if (line.empty()) continue;
    std::istringstream fields(line);
    std::vector<std::string> f;
    for (std::string w; fields >> w;) f.push_back(w);
    size_t dash = 0;
    for (size_t i = 6; i < f.size(); ++i) {
      if (f[i] == "-") {
        dash = i;
        break;
      }
    }
    if (f.size() < 7 || dash == 0 || dash + 3 > f.size()) {
      return Status::invalid("mountinfo line " + std::to_string(lineno) + ": malformed");
    }
    const std::string& fstype = f[dash + 1];
    if (fstype != "cgroup" && fstype != "cgroup2") continue;
    CgroupHierarchy h;
    h.root = unescapeMountinfo(f[3]);
    h.mount_point = unescapeMountinfo(f[4]);
    if (fstype == "cgroup2") {
      h.v2 = true;
      if (!v2) v2 = std::move(h);  // the first mount of the unified hierarchy
      continue;
    }
    const std::string super = dash + 3 < f.size() ? f[dash + 3] : "";
    for (const std::string& opt : split(super, ',')) {
      if (v1ControllerNames().count(opt) != 0 || opt.rfind("name=", 0) == 0) {
        h.controllers.push_back(opt);
      }
    }
    if (h.controllers.empty()) continue;
    bool seen = false;
    for (const CgroupHierarchy& other : v1) seen |= other.controllers == h.controllers;
    if (!seen) v1.push_back(std::move(h));
  }
  if (v1.empty() && !v2) return Status::notFound("no cgroup hierarchy mounted");
  layout.hierarchies = std::move(v1);
  // With a systemd-only v1 mount and a real v2, the v1 controllers live in v2: call that v2.
  bool real_v1 = false;
  for (const CgroupHierarchy& h : layout.hierarchies) {
    for (const std::string& c : h.controllers) real_v1 |= c.rfind("name=", 0) != 0;
  }
  if (!v2) {
    layout.mode = CgroupLayout::Mode::kV1;
  } else {
    layout.mode = real_v1 ? CgroupLayout::Mode::kHybrid : CgroupLayout::Mode::kV2;
    layout.hierarchies.push_back(std::move(*v2));
  }
  return layout;
}

Result<CgroupLayout> detectCgroupLayout() {
  ORCH_ASSIGN_OR_RETURN(std::string text, readFile("/proc/self/mountinfo"));
  return parseCgroupLayout(text);
}

uint64_t cpuSharesToWeight(uint64_t shares) {
  if (shares == 0) return 0;
  if (shares < 2) shares = 2;
  if (shares > 262144) shares = 262144;
  return 1 + ((shares - 2) * 9999) / 262142;
}

}  // namespace orch::shim
