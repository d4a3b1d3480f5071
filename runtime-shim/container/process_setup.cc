#include "runtime-shim/container/process_setup.h"

#include <fcntl.h>
#include <grp.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>

#include "common/base/file_util.h"
#include "common/base/unique_fd.h"

namespace orch::shim {

namespace {

struct RlimitName {
  const char* name;
  int resource;
};

constexpr RlimitName kRlimits[] = {
    {"RLIMIT_AS", RLIMIT_AS},
    {"RLIMIT_CORE", RLIMIT_CORE},
    {"RLIMIT_CPU", RLIMIT_CPU},
    {"RLIMIT_DATA", RLIMIT_DATA},
    {"RLIMIT_FSIZE", RLIMIT_FSIZE},
    {"RLIMIT_LOCKS", RLIMIT_LOCKS},
    {"RLIMIT_MEMLOCK", RLIMIT_MEMLOCK},
    {"RLIMIT_MSGQUEUE", RLIMIT_MSGQUEUE},
    {"RLIMIT_NICE", RLIMIT_NICE},
    {"RLIMIT_NOFILE", RLIMIT_NOFILE},
    {"RLIMIT_NPROC", RLIMIT_NPROC},
    {"RLIMIT_RSS", RLIMIT_RSS},
    {"RLIMIT_RTPRIO", RLIMIT_RTPRIO},
    {"RLIMIT_RTTIME", RLIMIT_RTTIME},
    {"RLIMIT_SIGPENDING", RLIMIT_SIGPENDING},
    {"RLIMIT_STACK", RLIMIT_STACK},
};

constexpr const char* kDefaultPath = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

}  // namespace

Result<int> rlimitResource(const std::string& name) {
  for (const RlimitName& r : kRlimits) {
    if (name == r.name) return r.resource;
  }
  return Status::invalid("unknown rlimit \"" + name + "\"");
}

Status applyRlimits(const std::vector<RlimitSpec>& rlimits) {
  for (const RlimitSpec& l : rlimits) {
    ORCH_ASSIGN_OR_RETURN(int resource, rlimitResource(l.type));
    struct rlimit rl = {static_cast<rlim_t>(l.soft), static_cast<rlim_t>(l.hard)};
    if (setrlimit(static_cast<__rlimit_resource_t>(resource), &rl) != 0) {
      return Status::fromErrno("setrlimit " + l.type);
    }
  }
  return Status::ok();
}

Status applyOomScoreAdj(std::optional<int> adj) {
  if (!adj) return Status::ok();
  const std::string path = "/proc/self/oom_score_adj";
  ORCH_ASSIGN_OR_RETURN(std::string current, readFile(path));
  int value = *adj;
  int now = std::atoi(current.c_str());
  if (value < now) value = now;
  UniqueFd fd(::open(path.c_str(), O_WRONLY | O_CLOEXEC));
  if (!fd) return Status::fromErrno("open " + path);
  return writeAll(fd.get(), std::to_string(value), path);
}

Status setHostname(const std::string& hostname) {
  if (hostname.empty()) return Status::ok();
  if (sethostname(hostname.data(), hostname.size()) != 0) {
    return Status::fromErrno("sethostname \"" + hostname + "\"");
  }
  return Status::ok();
}

Status writeSysctls(const std::map<std::string, std::string>& sysctls) {
  for (const auto& [key, value] : sysctls) {
    std::string rel = key;
    for (char& c : rel) {
      if (c == '.') c = '/';
    }
    std::string path = "/proc/sys/" + rel;
    UniqueFd fd(::open(path.c_str(), O_WRONLY | O_CLOEXEC | O_NOFOLLOW));
    if (!fd) return Status::fromErrno("sysctl " + key + ": open " + path);
    ORCH_RETURN_IF_ERROR(writeAll(fd.get(), value, "sysctl " + key));
  }
  return Status::ok();
}

Status switchUser(uint32_t uid, uint32_t gid, const std::vector<uint32_t>& additional_gids) {
  std::vector<gid_t> groups(additional_gids.begin(), additional_gids.end());
  if (setgroups(groups.size(), groups.data()) != 0) return Status::fromErrno("setgroups");
  if (setresgid(gid, gid, gid) != 0) return Status::fromErrno("setgid " + std::to_string(gid));
  if (setresuid(uid, uid, uid) != 0) return Status::fromErrno("setuid " + std::to_string(uid));
  return Status::ok();
}

std::string pathFromEnv(const std::vector<std::string>& env) {
  for (const std::string& e : env) {
    if (e.rfind("PATH=", 0) == 0) return e.substr(5);
  }
  return kDefaultPath;
}

Result<std::string> lookPath(const std::string& file, const std::string& path) {
  const std::string what = "exec \"" + file + "\"";
  if (file.empty()) return Status::notFound(what);
  if (file.find('/') != std::string::npos) {
    struct stat st;
    if (::stat(file.c_str(), &st) != 0) return Status::fromErrno(what);
    if (S_ISDIR(st.st_mode)) return Status::error(EACCES, what + ": is a directory");
    return file;
  }
  bool denied = false;
  size_t start = 0;
  while (start <= path.size()) {
    size_t end = path.find(':', start);
    if (end == std::string::npos) end = path.size();
    std::string dir = path.substr(start, end - start);
    if (dir.empty()) dir = ".";
    std::string candidate = dir + "/" + file;
    struct stat st;
    if (::stat(candidate.c_str(), &st) == 0 && S_ISREG(st.st_mode)) {
      if (::access(candidate.c_str(), X_OK) == 0) return candidate;
      denied = true;
    }
    start = end + 1;
  }
  if (denied) return Status::error(EACCES, what);
  return Status::notFound(what);
}

}  // namespace orch::shim
