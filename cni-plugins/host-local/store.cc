#include "cni-plugins/host-local/store.h"

#include "common/base/file_util.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstring>
#include <filesystem>

#include "common/base/file_util.h"

namespace orch::cni::hostlocal {
namespace {

constexpr const char* kLastIpPrefix = "last_reserved_ip.";
constexpr const char* kTempPrefix = ".orch-tmp-";

std::string trimSpace(std::string s) {
  const char* ws = " \t\r\n\v\f";
  s.erase(0, s.find_first_not_of(ws));
  auto end = s.find_last_not_of(ws);
  s.erase(end == std::string::npos ? 0 : end + 1);
  return s;
}

// Names in the directory that are regular files (d_type, falling back to stat).
Result<std::vector<std::string>> listFiles(const std::string& dir) {
  DIR* d = ::opendir(dir.c_str());
  if (!d) return Status::fromErrno("open directory " + dir);
  std::vector<std::string> out;
  while (dirent* e = ::readdir(d)) {
    if (e->d_type == DT_DIR) continue;
    std::string name = e->d_name;
    if (e->d_type == DT_UNKNOWN) {
      struct stat st;
      if (::stat((dir + "/" + name).c_str(), &st) != 0 || !S_ISREG(st.st_mode)) continue;
    }
    out.push_back(std::move(name));
  }
  ::closedir(d);
  return out;
}

}  // namespace

std::string allocationContent(const std::string& id, const std::string& ifname) {
  return trimSpace(id) + "\r\n" + ifname;
}

Result<DiskStore> DiskStore::open(const std::string& data_dir, const std::string& network) {
  std::string dir = data_dir + "/" + network;
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) return Status::error(ec.value(), "create data directory " + dir);
  std::string lock = dir + "/lock";
  UniqueFd fd(::open(lock.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644));
  if (!fd) return Status::fromErrno("open lock file " + lock);
  return DiskStore(dir, std::move(fd));
}

Status DiskStore::lock() {
  while (::flock(lock_fd_.get(), LOCK_EX) != 0) {
    if (errno != EINTR) return Status::fromErrno("flock " + dir_ + "/lock");
  }
  locked_ = true;
  return sweepTemps();
}

void DiskStore::unlock() {
  if (locked_) ::flock(lock_fd_.get(), LOCK_UN);
  locked_ = false;
}

Status DiskStore::sweepTemps() {
  ORCH_ASSIGN_OR_RETURN(auto names, listFiles(dir_));
  for (const auto& n : names) {
    if (n.rfind(kTempPrefix, 0) != 0) continue;
    std::string p = dir_ + "/" + n;
    if (::unlink(p.c_str()) != 0 && errno != ENOENT) return Status::fromErrno("remove " + p);
  }
  return Status::ok();
}

Result<bool> DiskStore::reserve(const std::string& id, const std::string& ifname, const IpAddr& ip,
                                int range_id) {
  std::string name = dir_ + "/" + ip.toString();
  // Cheap pre-check: most candidates during a scan are taken.
  if (::access(name.c_str(), F_OK) == 0) return false;
  std::string tmp = dir_ + "/" + kTempPrefix + std::to_string(getpid());
  {
    UniqueFd fd(::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600));
    if (!fd) return Status::fromErrno("create " + tmp);
    Status s = writeAll(fd.get(), allocationContent(id, ifname), tmp);
    if (!s.isOk()) {
      ::unlink(tmp.c_str());
      return s;
    }
  }
  // link(2) publishes the complete file under its final name, or fails if it exists.
  if (::link(tmp.c_str(), name.c_str()) != 0) {
    int err = errno;
    ::unlink(tmp.c_str());
    if (err == EEXIST) return false;
    return Status::error(err, "link " + name);
  }
  ::unlink(tmp.c_str());

  std::string last = dir_ + "/" + kLastIpPrefix + std::to_string(range_id);
  // Named with the temp prefix so sweepTemps removes it if we die here.
  std::string last_tmp = dir_ + "/" + kTempPrefix + "last-" + std::to_string(getpid());
  UniqueFd fd(::open(last_tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644));
  if (!fd) return Status::fromErrno("create " + last_tmp);
  ORCH_RETURN_IF_ERROR(writeAll(fd.get(), ip.toString(), last_tmp));
  fd.reset();
  if (::rename(last_tmp.c_str(), last.c_str()) != 0) {
    Status s = Status::fromErrno("rename " + last_tmp + " to " + last);
    ::unlink(last_tmp.c_str());
    return s;
  }
  return true;
}

Result<std::optional<IpAddr>> DiskStore::lastReservedIp(int range_id) const {
  std::string p = dir_ + "/" + kLastIpPrefix + std::to_string(range_id);
  auto data = readFile(p);
  if (!data.ok()) {
    if (data.status().code() == ENOENT) return std::optional<IpAddr>();
    return data.status();
  }
  auto ip = IpAddr::parse(trimSpace(*data));
  // A garbled file only costs round-robin once, as in the reference.
  if (!ip.ok()) return std::optional<IpAddr>();
  return std::optional<IpAddr>(*ip);
}

Result<std::vector<Allocation>> DiskStore::list() const {
  ORCH_ASSIGN_OR_RETURN(auto names, listFiles(dir_));
  std::vector<Allocation> out;
  for (const auto& n : names) {
    auto ip = IpAddr::parse(n);
    if (!ip.ok()) continue;  // lock, last_reserved_ip.*, temp files
    auto data = readFile(dir_ + "/" + n);
    if (!data.ok()) {
      if (data.status().code() == ENOENT) continue;
      return data.status();
    }
    std::string content = trimSpace(*data);
    Allocation a{*ip, content, ""};
    if (auto br = content.find("\r\n"); br != std::string::npos) {
      a.container_id = content.substr(0, br);
      a.ifname = content.substr(br + 2);
    } else if (auto nl = content.find('\n'); nl != std::string::npos) {
      a.container_id = content.substr(0, nl);
      a.ifname = content.substr(nl + 1);
    }
    out.push_back(std::move(a));
  }
  return out;
}

Result<std::vector<IpAddr>> DiskStore::getById(const std::string& id,
                                               const std::string& ifname) const {
  ORCH_ASSIGN_OR_RETURN(auto all, list());
  std::vector<IpAddr> out;
  for (const auto& a : all) {
    if (a.container_id == trimSpace(id) && a.ifname == ifname) out.push_back(a.ip);
  }
  return out;
}

Status DiskStore::releaseById(const std::string& id, const std::string& ifname) {
  // Match on content over every file, as the reference does: that also removes a temp file
  // left by a killed ADD of this container.
  std::string match = allocationContent(id, ifname);
  ORCH_ASSIGN_OR_RETURN(auto names, listFiles(dir_));
  for (const auto& n : names) {
    if (n == "lock" || n.rfind(kLastIpPrefix, 0) == 0) continue;
    std::string p = dir_ + "/" + n;
    auto data = readFile(p);
    if (!data.ok()) {
      if (data.status().code() == ENOENT) continue;
      return data.status();
    }
    if (trimSpace(*data) != match) continue;
    if (::unlink(p.c_str()) != 0 && errno != ENOENT) return Status::fromErrno("remove " + p);
  }
  return Status::ok();
}

Status DiskStore::release(const IpAddr& ip) {
  std::string p = dir_ + "/" + ip.toString();
  if (::unlink(p.c_str()) != 0 && errno != ENOENT) return Status::fromErrno("remove " + p);
  return Status::ok();
}

}  // namespace orch::cni::hostlocal
