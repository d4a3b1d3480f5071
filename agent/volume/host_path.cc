#include "agent/volume/host_path.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "agent/volume/fs_ops.h"
#include "common/base/unique_fd.h"

namespace orch::agent {

namespace {

Status mismatch(const std::string& path, const char* what) {
  return Status::invalid("hostPath type check failed: " + path + " is not " + what);
}

}  // namespace

Status checkHostPathType(const std::string& path, const std::optional<std::string>& type) {
  if (!type || type->empty()) return Status::ok();
  const std::string& t = *type;
  struct stat st {};
  bool exists = ::stat(path.c_str(), &st) == 0;
  if (!exists && errno != ENOENT) return Status::fromErrno("stat " + path);

  if (t == "DirectoryOrCreate" || t == "Directory") {
    if (!exists && t == "DirectoryOrCreate") return makeDirs(path, 0755);
    if (!exists || !S_ISDIR(st.st_mode)) return mismatch(path, "a directory");
    return Status::ok();
  }
  if (t == "FileOrCreate" || t == "File") {
    if (!exists && t == "FileOrCreate") {
      UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CREAT | O_CLOEXEC, 0644));
      if (!fd) return Status::fromErrno("create " + path);
      return Status::ok();
    }
    if (!exists || !S_ISREG(st.st_mode)) return mismatch(path, "a file");
    return Status::ok();
  }
  if (t == "Socket") {
    return exists && S_ISSOCK(st.st_mode) ? Status::ok() : mismatch(path, "a socket file");
  }
  if (t == "CharDevice") {
    return exists && S_ISCHR(st.st_mode) ? Status::ok() : mismatch(path, "a character device");
  }
  if (t == "BlockDevice") {
    return exists && S_ISBLK(st.st_mode) ? Status::ok() : mismatch(path, "a block device");
  }
  return Status::invalid(t + " is an invalid volume type");
}

}  // namespace orch::agent
