#include "agent/kuberuntime/container_files.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <charconv>
#include <cstdio>
#include <filesystem>
#include <random>
#include <system_error>

#include "agent/kuberuntime/sandbox_config.h"
#include "common/base/unique_fd.h"

namespace orch::agent {

namespace fs = std::filesystem;

std::string podContainerDir(const std::string& root_dir, const std::string& pod_uid,
                            const std::string& container_name) {
  return root_dir + "/pods/" + pod_uid + "/containers/" + container_name;
}

Result<std::string> createTerminationLogFile(const std::string& pod_container_dir) {
  std::error_code ec;
  fs::create_directories(pod_container_dir, ec);
  if (ec) return Status::error(ec.value(), "create " + pod_container_dir + ": " + ec.message());
  fs::permissions(pod_container_dir, fs::perms(0750), ec);
  if (ec) return Status::error(ec.value(), "chmod " + pod_container_dir + ": " + ec.message());
  std::random_device rd;
  for (int attempt = 0; attempt < 8; ++attempt) {
    char name[17];
    std::snprintf(name, sizeof(name), "%08x%08x", rd(), rd());
    std::string path = pod_container_dir + "/" + name;
    UniqueFd fd(::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666));
    if (!fd.valid()) {
      if (errno == EEXIST) continue;
      return Status::fromErrno("create termination-log file " + path);
    }
    // open() applied the umask; the container may run as any user and must be able to write.
    if (::fchmod(fd.get(), 0666) != 0) return Status::fromErrno("chmod " + path);
    return path;
  }
  return Status::exists("create termination-log file in " + pod_container_dir + ": no free name");
}

std::string terminationLogHostPath(const runtime::v1::ContainerStatus& status,
                                   const std::string& container_path) {
  if (container_path.empty()) return "";
  for (const auto& m : status.mounts())
    if (m.container_path() == container_path) return m.host_path();
  return "";
}

Result<std::string> readTerminationMessage(const std::string& host_path, size_t max_bytes) {
  UniqueFd fd(::open(host_path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd.valid()) {
    if (errno == ENOENT) return std::string();
    return Status::fromErrno("open termination message " + host_path);
  }
  std::string out(max_bytes, '\0');
  size_t got = 0;
  while (got < max_bytes) {
    ssize_t n = ::read(fd.get(), out.data() + got, max_bytes - got);
    if (n < 0) {
      if (errno == EINTR) continue;
      return Status::fromErrno("read termination message " + host_path);
    }
    if (n == 0) break;
    got += static_cast<size_t>(n);
  }
  out.resize(got);
  return out;
}

std::string containerLogsDirectory(const std::string& pod_logs_dir, const api::Pod& pod,
                                   const std::string& container_name) {
  return podLogsDirectory(pod_logs_dir, pod) + "/" + container_name;
}

Result<int32_t> restartCountFromLogDir(const std::string& container_logs_dir) {
  std::error_code ec;
  if (!fs::is_directory(container_logs_dir, ec)) return 0;
  int32_t next = 0;
  fs::directory_iterator it(container_logs_dir, ec);
  if (ec) return Status::error(ec.value(), "list " + container_logs_dir + ": " + ec.message());
  for (; it != fs::directory_iterator(); it.increment(ec)) {
    if (ec) return Status::error(ec.value(), "list " + container_logs_dir + ": " + ec.message());
    if (it->is_directory(ec)) continue;
    const std::string name = it->path().filename().string();
    int32_t n = 0;
    auto [p, err] = std::from_chars(name.data(), name.data() + name.size(), n);
    if (err != std::errc() || p == name.data()) continue;
    std::string_view rest(p, name.data() + name.size() - p);
    if (rest != ".log" && rest.substr(0, 5) != ".log.") continue;
    if (n + 1 > next) next = n + 1;
  }
  return next;
}

}  // namespace orch::agent
