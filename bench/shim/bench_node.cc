#include "bench_node.h"

#include <signal.h>
#include <sys/mount.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <sstream>
#include <thread>

#include "common/base/file_util.h"

namespace orch::bench {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

namespace {

// Mount points at or below `dir` (from /proc/self/mountinfo, octal escapes decoded), deepest
// first: the runtimes mount overlays and tmpfs under their state dirs, which we share.
std::vector<std::string> mountsUnder(const std::string& dir) {
  std::vector<std::string> out;
  auto info = readFile("/proc/self/mountinfo");
  if (!info.ok()) return out;
  std::istringstream lines(*info);
  for (std::string line; std::getline(lines, line);) {
    std::istringstream fields(line);
    std::string id, parent, dev, root, point;
    if (!(fields >> id >> parent >> dev >> root >> point)) continue;
    std::string decoded;
    for (size_t i = 0; i < point.size(); ++i) {
      if (point[i] == '\\' && i + 3 < point.size()) {
        decoded += static_cast<char>(std::strtol(point.substr(i + 1, 3).c_str(), nullptr, 8));
        i += 3;
      } else {
        decoded += point[i];
      }
    }
    if (decoded == dir || decoded.rfind(dir + "/", 0) == 0) out.push_back(decoded);
  }
  std::sort(out.begin(), out.end(),
            [](const std::string& a, const std::string& b) { return a.size() > b.size(); });
  return out;
}

std::vector<pid_t> readProcs(const std::string& cgroup_dir) {
  std::vector<pid_t> out;
  auto text = readFile(cgroup_dir + "/cgroup.procs");
  if (!text.ok()) return out;
  std::istringstream in(*text);
  for (long pid; in >> pid;) out.push_back(static_cast<pid_t>(pid));
  return out;
}

// Removes the cgroup directory `top` and everything below it, deepest first. Processes still
// inside are ours (only the runtime this node started puts any there): they are SIGKILLed.
void removeCgroupTree(const std::string& top) {
  std::error_code ec;
  if (!fs::is_directory(top, ec)) return;
  std::vector<std::string> dirs = {top};
  for (auto it = fs::recursive_directory_iterator(top, ec); !ec && it != fs::end(it);
       it.increment(ec)) {
    if (it->is_directory(ec) && !it->is_symlink(ec)) dirs.push_back(it->path().string());
  }
  std::sort(dirs.begin(), dirs.end(),
            [](const std::string& a, const std::string& b) { return a.size() > b.size(); });
  for (const std::string& d : dirs) {
    for (int i = 0; i < 50; ++i) {
      if (::rmdir(d.c_str()) == 0 || errno == ENOENT) break;
      if (errno != EBUSY) {
        std::fprintf(stderr, "cleanup: rmdir %s: %s\n", d.c_str(), errnoName(errno).c_str());
        break;
      }
      std::vector<pid_t> left = readProcs(d);
      for (pid_t pid : left) {
        if (i == 0)
          std::fprintf(stderr, "cleanup: SIGKILL leftover pid %d in %s\n", pid, d.c_str());
        ::kill(pid, SIGKILL);
      }
      std::this_thread::sleep_for(100ms);
    }
  }
}

}  // namespace

std::string benchConflist(const std::string& ipam_dir) {
  nlohmann::json conflist = {{"cniVersion", "1.0.0"},
                             {"name", "orchbench-pods"},
                             {"plugins",
                              {{{"type", "bridge"},
                                {"bridge", "orchbench0"},
                                {"isGateway", true},
                                {"ipMasq", false},
                                {"ipam",
                                 {{"type", "host-local"},
                                  {"ranges", {{{{"subnet", "10.245.0.0/16"}}}}},
                                  {"routes", {{{"dst", "0.0.0.0/0"}}}},
                                  {"dataDir", ipam_dir}}}}}}};
  return conflist.dump(2);
}

Result<std::unique_ptr<BenchNode>> BenchNode::create(const std::string& label) {
  std::unique_ptr<BenchNode> node(new BenchNode());
  node->label_ = label;
  std::string tmpl = "/tmp/orch-bench-shim-" + label + "-XXXXXX";
  if (::mkdtemp(tmpl.data()) == nullptr) return Status::fromErrno("mkdtemp " + tmpl);
  node->dir_ = tmpl;

  ORCH_ASSIGN_OR_RETURN(node->netns_, testing::TestNetns::create("orchbench"));
  // The node's only way out is a dead end (DESIGN.md, network safety).
  const testing::TestNetns& ns = *node->netns_;
  ORCH_RETURN_IF_ERROR(
      ns.ip({"link", "add", "uplink0", "type", "veth", "peer", "name", "uplink0-void"}));
  ORCH_RETURN_IF_ERROR(ns.ip({"addr", "add", "192.0.2.1/24", "dev", "uplink0"}));
  ORCH_RETURN_IF_ERROR(ns.ip({"link", "set", "uplink0", "up"}));
  ORCH_RETURN_IF_ERROR(ns.ip({"route", "add", "default", "dev", "uplink0"}));

  std::error_code ec;
  fs::create_directories(node->confDir(), ec);
  fs::create_directories(node->logDir(), ec);
  if (ec) return Status::error(ec.value(), "mkdir " + node->logDir());
  ORCH_RETURN_IF_ERROR(
      writeFile(node->confDir() + "/10-orchbench.conflist", benchConflist(node->dir_ + "/ipam")));

  ORCH_ASSIGN_OR_RETURN(node->layout_, shim::detectCgroupLayout());
  node->cgroup_base_ = "/orch-bench-" + std::to_string(::getpid()) + "/" + label;
  shim::Cgroup tracking = shim::Cgroup::open(node->layout_, node->cgroup_base_ + "/daemon");
  node->tracking_dir_ = tracking.directory("pids");
  if (node->tracking_dir_.empty()) node->tracking_dir_ = tracking.directory("");
  if (node->tracking_dir_.empty()) {
    return Status::notFound("no pids or unified cgroup hierarchy to track the runtime in");
  }
  fs::create_directories(node->tracking_dir_, ec);
  if (ec) return Status::error(ec.value(), "mkdir " + node->tracking_dir_);
  return node;
}

BenchNode::~BenchNode() {
  cleanup();
}

void BenchNode::cleanup() {
  // Cgroups first: that also stops any process the runtime left behind.
  if (!cgroup_base_.empty()) {
    for (const std::string& dir : shim::Cgroup::open(layout_, cgroup_base_).directories()) {
      removeCgroupTree(dir);
      // The shared "/orch-bench-<pid>" goes with the last node (ENOTEMPTY otherwise: fine).
      ::rmdir(dir.substr(0, dir.rfind('/')).c_str());
    }
  }
  if (!dir_.empty()) {
    for (const std::string& m : mountsUnder(dir_)) {
      if (::umount2(m.c_str(), MNT_DETACH) != 0) {
        std::fprintf(stderr, "cleanup: umount %s: %s\n", m.c_str(), errnoName(errno).c_str());
      }
    }
    if (!mountsUnder(dir_).empty()) {
      std::fprintf(stderr, "cleanup: mounts remain under %s; not removing it\n", dir_.c_str());
    } else {
      std::error_code ec;
      fs::remove_all(dir_, ec);
      if (ec) std::fprintf(stderr, "cleanup: remove %s: %s\n", dir_.c_str(), ec.message().c_str());
    }
  }
  if (netns_) {
    Status st = netns_->destroy();
    if (!st.isOk()) std::fprintf(stderr, "cleanup: %s\n", st.message().c_str());
    netns_.reset();
  }
}

std::string BenchNode::netnsPath() const {
  return "/run/netns/" + netns_->name();
}

std::string BenchNode::podCgroupParent(int i) const {
  return cgroup_base_ + "/pod" + std::to_string(i);
}

std::string BenchNode::trackingProcsFile() const {
  return tracking_dir_ + "/cgroup.procs";
}

std::vector<pid_t> BenchNode::trackedPids() const {
  return readProcs(tracking_dir_);
}

}  // namespace orch::bench
