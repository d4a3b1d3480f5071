#include "common/base/file_util.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/base/unique_fd.h"

namespace orch {

Result<std::string> readFile(const std::string& path) {
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd) return Status::fromErrno("open " + path);
  std::string out;
  char buf[8192];
  for (;;) {
    ssize_t n = ::read(fd.get(), buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return Status::fromErrno("read " + path);
    if (n == 0) return out;
    out.append(buf, static_cast<size_t>(n));
  }
}

Status writeAll(int fd, std::string_view data, const std::string& what) {
  size_t off = 0;
  while (off < data.size()) {
    ssize_t n = ::write(fd, data.data() + off, data.size() - off);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return Status::fromErrno("write " + what);
    off += static_cast<size_t>(n);
  }
  return Status::ok();
}

Status writeFile(const std::string& path, std::string_view data, unsigned mode) {
  UniqueFd fd(::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode));
  if (!fd) return Status::fromErrno("create " + path);
  // open() applies the mode only to new files, and through the umask.
  if (::fchmod(fd.get(), mode) != 0) return Status::fromErrno("chmod " + path);
  return writeAll(fd.get(), data, path);
}

Status writeFileAtomic(const std::string& path, std::string_view data, unsigned mode, bool sync) {
  std::string tmp = path + ".tmp." + std::to_string(::getpid());
  Status s = writeFile(tmp, data, mode);
  if (s.isOk() && sync) {
    UniqueFd fd(::open(tmp.c_str(), O_RDONLY | O_CLOEXEC));
    if (!fd || ::fsync(fd.get()) != 0) s = Status::fromErrno("fsync " + tmp);
  }
  if (s.isOk() && ::rename(tmp.c_str(), path.c_str()) != 0) {
    s = Status::fromErrno("rename " + tmp + " to " + path);
  }
  if (!s.isOk()) ::unlink(tmp.c_str());
  return s;
}

}  // namespace orch
