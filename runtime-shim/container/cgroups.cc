#include "runtime-shim/container/cgroups.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <map>
#include <sstream>
#include <thread>

#include "common/base/file_util.h"
#include "common/base/unique_fd.h"

namespace orch::shim {

namespace {

using namespace std::chrono_literals;

// Bounded polling for the kernel to finish a freeze, a kill or a release.
constexpr int kPollTries = 250;
constexpr auto kPollStep = 20ms;

bool exists(const std::string& path) {
  struct stat st;
  return ::stat(path.c_str(), &st) == 0;
}

Status writeCgroupFile(const std::string& dir, const std::string& file, const std::string& value) {
  const std::string path = dir + "/" + file;
  UniqueFd fd(::open(path.c_str(), O_WRONLY | O_CLOEXEC));
  if (!fd) return Status::fromErrno("write " + path);
  if (::write(fd.get(), value.data(), value.size()) < 0) {
    return Status::fromErrno("write " + path + " \"" + value + "\"");
  }
  return Status::ok();
}

std::string trim(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
  return s;
}

// Reads a one-number file; 0 when the file is absent (controller not there).
Result<uint64_t> readNumber(const std::string& path) {
  if (!exists(path)) return uint64_t{0};
  ORCH_ASSIGN_OR_RETURN(std::string text, readFile(path));
  return static_cast<uint64_t>(std::strtoull(text.c_str(), nullptr, 10));
}

// "key value" lines (memory.stat, cpu.stat, memory.events, memory.oom_control); {} if absent.
Result<std::map<std::string, uint64_t>> readKeyed(const std::string& path) {
  std::map<std::string, uint64_t> out;
  if (!exists(path)) return out;
  ORCH_ASSIGN_OR_RETURN(std::string text, readFile(path));
  std::istringstream in(text);
  std::string key;
  uint64_t value;
  while (in >> key >> value) out[key] = value;
  return out;
}

uint64_t get(const std::map<std::string, uint64_t>& m, const std::string& key) {
  auto it = m.find(key);
  return it == m.end() ? 0 : it->second;
}

// The hierarchies a container cgroup is made in: each distinct v1 hierarchy holding one of
// v1Controllers(), then the unified one.
std::vector<const CgroupHierarchy*> usedHierarchies(const CgroupLayout& layout) {
  std::vector<const CgroupHierarchy*> out;
  for (const std::string& c : Cgroup::v1Controllers()) {
    const CgroupHierarchy* h = layout.v1(c);
    if (h != nullptr && std::find(out.begin(), out.end(), h) == out.end()) out.push_back(h);
  }
  if (const CgroupHierarchy* u = layout.unified()) out.push_back(u);
  return out;
}

std::string joinPath(const std::string& mount_point, const std::string& rel) {
  if (rel.empty() || rel == "/") return mount_point;
  return mount_point + (rel[0] == '/' ? "" : "/") + rel;
}

// Empty cpuset.cpus / mems (new v1 cpusets) are filled in from the parent.
Status fillCpuset(const std::string& dir) {
  const std::string parent = dir.substr(0, dir.rfind('/'));
  for (const char* file : {"cpuset.cpus", "cpuset.mems"}) {
    ORCH_ASSIGN_OR_RETURN(std::string mine, readFile(dir + "/" + file));
    if (!trim(mine).empty()) continue;
    ORCH_ASSIGN_OR_RETURN(std::string theirs, readFile(parent + "/" + file));
    ORCH_RETURN_IF_ERROR(writeCgroupFile(dir, file, trim(theirs)));
  }
  return Status::ok();
}

// Enables every available controller of interest for the children of `dir` (v2 only).
Status enableSubtree(const std::string& dir) {
  auto available = readFile(dir + "/cgroup.controllers");
  if (!available.ok()) return Status::ok();
  std::istringstream in(*available);
  std::string want;
  for (std::string c; in >> c;) {
    if (c == "cpu" || c == "cpuset" || c == "memory" || c == "pids" || c == "io") {
      want += (want.empty() ? "+" : " +") + c;
    }
  }
  if (want.empty()) return Status::ok();
  return writeCgroupFile(dir, "cgroup.subtree_control", want);
}

// Creates `rel` below `h` level by level; appends what it made to `created`.
Status makeDirs(const CgroupHierarchy& h, const std::string& rel, bool cpuset,
                std::vector<std::string>& created) {
  std::string dir = h.mount_point;
  std::istringstream in(rel);
  std::vector<std::string> parts;
  for (std::string part; std::getline(in, part, '/');) {
    if (!part.empty()) parts.push_back(part);
  }
  for (const std::string& part : parts) {
    if (h.v2) ORCH_RETURN_IF_ERROR(enableSubtree(dir));
    dir += "/" + part;
    if (::mkdir(dir.c_str(), 0755) == 0) {
      created.push_back(dir);
    } else if (errno != EEXIST) {
      return Status::fromErrno("mkdir " + dir);
    }
    if (cpuset) ORCH_RETURN_IF_ERROR(fillCpuset(dir));
  }
  return Status::ok();
}

}  // namespace

const std::vector<std::string>& Cgroup::v1Controllers() {
  static const std::vector<std::string> kControllers = {
      "cpu", "cpuacct", "cpuset", "memory", "pids", "devices", "freezer", "blkio", "name=systemd"};
  return kControllers;
}

Result<Cgroup> Cgroup::create(const CgroupLayout& layout, const std::string& path,
                              const ResourceSpec& resources) {
  Cgroup cg(layout, path);
  std::vector<std::string> created;
  Status st;
  for (const CgroupHierarchy* h : usedHierarchies(layout)) {
    bool cpuset = !h->v2 && std::find(h->controllers.begin(), h->controllers.end(), "cpuset") !=
                                h->controllers.end();
    st = makeDirs(*h, path, cpuset, created);
    if (!st.isOk()) break;
  }
  if (st.isOk()) st = cg.update(resources);
  if (!st.isOk()) {
    for (auto it = created.rbegin(); it != created.rend(); ++it) ::rmdir(it->c_str());
    return st.withContext("create cgroup " + path);
  }
  return cg;
}

Cgroup Cgroup::open(const CgroupLayout& layout, const std::string& path) {
  return Cgroup(layout, path);
}

std::vector<std::string> Cgroup::directories() const {
  std::vector<std::string> out;
  for (const CgroupHierarchy* h : usedHierarchies(layout_)) {
    out.push_back(joinPath(h->mount_point, path_));
  }
  return out;
}

std::string Cgroup::directory(std::string_view controller) const {
  const CgroupHierarchy* h = controller.empty() ? layout_.unified() : layout_.v1(controller);
  return h == nullptr ? "" : joinPath(h->mount_point, path_);
}

Status Cgroup::enter(pid_t pid) const {
  for (const std::string& dir : directories()) {
    ORCH_RETURN_IF_ERROR(writeCgroupFile(dir, "cgroup.procs", std::to_string(pid)));
  }
  return Status::ok();
}

Status Cgroup::update(const ResourceSpec& r) const {
  const std::string v2 = directory("");
  // A controller's files go to its v1 hierarchy when it has one, else to v2 (if enabled).
  auto dirFor = [&](const char* controller, const char* v2_file) -> std::string {
    std::string d = directory(controller);
    if (!d.empty()) return d;
    if (!v2.empty() && exists(v2 + "/" + v2_file)) return v2;
    return "";
  };
  const bool v1cpu = layout_.v1("cpu") != nullptr;
  if (std::string d = dirFor("cpu", "cpu.max"); !d.empty()) {
    if (v1cpu) {
      if (r.cpu_shares > 0) {
        ORCH_RETURN_IF_ERROR(writeCgroupFile(d, "cpu.shares", std::to_string(r.cpu_shares)));
      }
      if (r.cpu_period > 0) {
        ORCH_RETURN_IF_ERROR(writeCgroupFile(d, "cpu.cfs_period_us", std::to_string(r.cpu_period)));
      }
      if (r.cpu_quota != 0) {
        ORCH_RETURN_IF_ERROR(writeCgroupFile(d, "cpu.cfs_quota_us",
                                             std::to_string(r.cpu_quota < 0 ? -1 : r.cpu_quota)));
      }
    } else {
      if (r.cpu_shares > 0) {
        ORCH_RETURN_IF_ERROR(writeCgroupFile(
            d, "cpu.weight",
            std::to_string(cpuSharesToWeight(static_cast<uint64_t>(r.cpu_shares)))));
      }
      if (r.cpu_quota != 0 || r.cpu_period > 0) {
        std::string quota = r.cpu_quota < 0 ? "max" : std::to_string(r.cpu_quota);
        if (r.cpu_quota == 0) {  // keep the current quota, change the period
          ORCH_ASSIGN_OR_RETURN(std::string cur, readFile(d + "/cpu.max"));
          quota = cur.substr(0, cur.find(' '));
        }
        std::string period = r.cpu_period > 0 ? std::to_string(r.cpu_period) : "100000";
        ORCH_RETURN_IF_ERROR(writeCgroupFile(d, "cpu.max", quota + " " + period));
      }
    }
  }
  if (std::string d = dirFor("cpuset", "cpuset.cpus"); !d.empty()) {
    if (!r.cpuset_cpus.empty())
      ORCH_RETURN_IF_ERROR(writeCgroupFile(d, "cpuset.cpus", r.cpuset_cpus));
    if (!r.cpuset_mems.empty())
      ORCH_RETURN_IF_ERROR(writeCgroupFile(d, "cpuset.mems", r.cpuset_mems));
  }
  if (r.memory_limit_bytes > 0) {
    if (std::string d = directory("memory"); !d.empty()) {
      ORCH_RETURN_IF_ERROR(
          writeCgroupFile(d, "memory.limit_in_bytes", std::to_string(r.memory_limit_bytes)));
    } else if (!v2.empty() && exists(v2 + "/memory.max")) {
      ORCH_RETURN_IF_ERROR(writeCgroupFile(v2, "memory.max", std::to_string(r.memory_limit_bytes)));
    }
  }
  if (r.pids_limit != 0) {
    if (std::string d = dirFor("pids", "pids.max"); !d.empty()) {
      ORCH_RETURN_IF_ERROR(
          writeCgroupFile(d, "pids.max", r.pids_limit < 0 ? "max" : std::to_string(r.pids_limit)));
    }
  }
  return Status::ok();
}

Status Cgroup::restrictDevices() const {
  std::string d = directory("devices");
  if (d.empty()) return Status::ok();
  ORCH_RETURN_IF_ERROR(writeCgroupFile(d, "devices.deny", "a"));
  for (const char* rule : {"c *:* m", "b *:* m", "c 1:3 rwm", "c 1:5 rwm", "c 1:7 rwm", "c 1:8 rwm",
                           "c 1:9 rwm", "c 5:0 rwm", "c 5:1 rwm", "c 5:2 rwm", "c 136:* rwm"}) {
    ORCH_RETURN_IF_ERROR(writeCgroupFile(d, "devices.allow", rule));
  }
  return Status::ok();
}

Result<CgroupStats> Cgroup::stats() const {
  CgroupStats s;
  const std::string v2 = directory("");
  const std::string mem = directory("memory");
  const std::string primary = !mem.empty() ? mem : v2;
  if (primary.empty() || !exists(primary)) return Status::notFound("cgroup " + path_);
  if (std::string d = directory("cpuacct"); !d.empty()) {
    ORCH_ASSIGN_OR_RETURN(s.cpu_usage_ns, readNumber(d + "/cpuacct.usage"));
  } else if (!v2.empty()) {
    ORCH_ASSIGN_OR_RETURN(auto cpu, readKeyed(v2 + "/cpu.stat"));
    s.cpu_usage_ns = get(cpu, "usage_usec") * 1000;
  }
  uint64_t inactive_file = 0;
  if (!mem.empty()) {
    ORCH_ASSIGN_OR_RETURN(s.memory_usage_bytes, readNumber(mem + "/memory.usage_in_bytes"));
    ORCH_ASSIGN_OR_RETURN(auto ms, readKeyed(mem + "/memory.stat"));
    inactive_file = get(ms, "total_inactive_file");
    s.memory_rss_bytes = get(ms, "total_rss");
    s.page_faults = get(ms, "total_pgfault");
    s.major_page_faults = get(ms, "total_pgmajfault");
  } else if (!v2.empty()) {
    ORCH_ASSIGN_OR_RETURN(s.memory_usage_bytes, readNumber(v2 + "/memory.current"));
    ORCH_ASSIGN_OR_RETURN(auto ms, readKeyed(v2 + "/memory.stat"));
    inactive_file = get(ms, "inactive_file");
    s.memory_rss_bytes = get(ms, "anon");
    s.page_faults = get(ms, "pgfault");
    s.major_page_faults = get(ms, "pgmajfault");
  }
  s.memory_working_set_bytes =
      s.memory_usage_bytes > inactive_file ? s.memory_usage_bytes - inactive_file : 0;
  if (std::string d = directory("pids"); !d.empty()) {
    ORCH_ASSIGN_OR_RETURN(s.pids, readNumber(d + "/pids.current"));
  } else if (!v2.empty()) {
    ORCH_ASSIGN_OR_RETURN(s.pids, readNumber(v2 + "/pids.current"));
  }
  ORCH_ASSIGN_OR_RETURN(s.oom_kills, oomKillCount());
  return s;
}

Result<uint64_t> Cgroup::oomKillCount() const {
  if (std::string d = directory("memory"); !d.empty()) {
    ORCH_ASSIGN_OR_RETURN(auto oc, readKeyed(d + "/memory.oom_control"));
    return get(oc, "oom_kill");
  }
  if (std::string d = directory(""); !d.empty()) {
    ORCH_ASSIGN_OR_RETURN(auto ev, readKeyed(d + "/memory.events"));
    return get(ev, "oom_kill");
  }
  return uint64_t{0};
}

Result<std::vector<pid_t>> Cgroup::pids() const {
  std::string dir = directory("memory");
  if (dir.empty()) {
    auto dirs = directories();
    if (dirs.empty()) return Status::notFound("no cgroup hierarchy for " + path_);
    dir = dirs.front();
  }
  ORCH_ASSIGN_OR_RETURN(std::string text, readFile(dir + "/cgroup.procs"));
  std::vector<pid_t> out;
  std::istringstream in(text);
  for (pid_t p; in >> p;) out.push_back(p);
  return out;
}

Status Cgroup::killAll() const {
  const std::string v2 = directory("");
  const std::string freezer = directory("freezer");
  for (int i = 0; i < kPollTries; ++i) {
    auto pids_now = pids();
    if (!pids_now.ok()) {
      if (pids_now.status().code() == ENOENT) return Status::ok();  // no cgroup, nothing runs
      return pids_now.status().withContext("kill cgroup " + path_);
    }
    if (pids_now->empty()) return Status::ok();
    if (i == 0 && !v2.empty() && exists(v2 + "/cgroup.kill")) {
      ORCH_RETURN_IF_ERROR(writeCgroupFile(v2, "cgroup.kill", "1"));
    } else if (i % 10 == 0) {
      // Freeze so that nothing forks between reading cgroup.procs and the kills.
      bool frozen = !freezer.empty() && writeCgroupFile(freezer, "freezer.state", "FROZEN").isOk();
      for (pid_t p : *pids_now) ::kill(p, SIGKILL);
      if (frozen) ORCH_RETURN_IF_ERROR(writeCgroupFile(freezer, "freezer.state", "THAWED"));
    }
    std::this_thread::sleep_for(kPollStep);
  }
  return Status::error(EBUSY, "kill cgroup " + path_ + ": processes remain");
}

Status Cgroup::remove() const {
  Status first;
  auto dirs = directories();
  for (auto it = dirs.rbegin(); it != dirs.rend(); ++it) {
    for (int i = 0;; ++i) {
      if (::rmdir(it->c_str()) == 0 || errno == ENOENT) break;
      if (errno == EBUSY && i < kPollTries) {
        std::this_thread::sleep_for(kPollStep);
        continue;
      }
      if (first.isOk()) first = Status::fromErrno("rmdir " + *it);
      break;
    }
  }
  return first;
}

}  // namespace orch::shim
