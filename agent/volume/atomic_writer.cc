#include "agent/volume/atomic_writer.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <ctime>
#include <memory>
#include <set>
#include <vector>

#include "agent/volume/fs_ops.h"
#include "common/base/file_util.h"
#include "common/base/unique_fd.h"

namespace orch::agent {

namespace {

constexpr size_t kMaxFileNameLength = 255;
constexpr size_t kMaxPathLength = 4096;

std::vector<std::string> splitPath(const std::string& p) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start <= p.size()) {
    size_t slash = p.find('/', start);
    if (slash == std::string::npos) slash = p.size();
    out.push_back(p.substr(start, slash - start));
    start = slash + 1;
  }
  return out;
}

// filepath.Clean for a validated relative path: drops empty and "." components.
std::string cleanPath(const std::string& p) {
  std::string out;
  for (const auto& part : splitPath(p)) {
    if (part.empty() || part == ".") continue;
    if (!out.empty()) out += '/';
    out += part;
  }
  return out;
}

Result<std::vector<std::string>> listDir(const std::string& dir) {
  std::unique_ptr<DIR, int (*)(DIR*)> d(::opendir(dir.c_str()), ::closedir);
  if (!d) return Status::fromErrno("opendir " + dir);
  std::vector<std::string> out;
  while (struct dirent* e = ::readdir(d.get())) {
    std::string n = e->d_name;
    if (n != "." && n != "..") out.push_back(std::move(n));
  }
  return out;
}

// Every path below `dir` (files and directories), relative to `dir`.
Status walk(const std::string& dir, const std::string& rel, std::set<std::string>& out) {
  ORCH_ASSIGN_OR_RETURN(auto names, listDir(rel.empty() ? dir : dir + "/" + rel));
  for (const auto& n : names) {
    std::string r = rel.empty() ? n : rel + "/" + n;
    out.insert(r);
    struct stat st {};
    if (::lstat((dir + "/" + r).c_str(), &st) != 0) return Status::fromErrno("stat " + r);
    if (S_ISDIR(st.st_mode)) ORCH_RETURN_IF_ERROR(walk(dir, r, out));
  }
  return Status::ok();
}

// Whether `path` holds exactly `want` (a regular file with that content and mode).
bool sameFile(const std::string& path, const FileProjection& want) {
  struct stat st {};
  if (::lstat(path.c_str(), &st) != 0 || !S_ISREG(st.st_mode)) return false;
  if ((st.st_mode & 07777) != (want.mode & 07777)) return false;
  if (static_cast<size_t>(st.st_size) != want.data.size()) return false;
  auto content = readFile(path);
  return content.ok() && *content == want.data;
}

Status writeProjection(const std::string& path, const FileProjection& f) {
  UniqueFd fd(::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600));
  if (!fd) return Status::fromErrno("create " + path);
  ORCH_RETURN_IF_ERROR(writeAll(fd.get(), f.data, path));
  // The mode is set explicitly: open() would apply the umask.
  if (::fchmod(fd.get(), f.mode & 07777) != 0) return Status::fromErrno("chmod " + path);
  return Status::ok();
}

std::string timestampTemplate() {
  time_t now = ::time(nullptr);
  struct tm tm {};
  ::gmtime_r(&now, &tm);
  char buf[64];
  ::strftime(buf, sizeof buf, "..%Y_%m_%d_%H_%M_%S.", &tm);
  return std::string(buf) + "XXXXXX";
}

}  // namespace

Status AtomicWriter::validatePath(const std::string& path) {
  if (path.empty()) return Status::invalid("invalid path: must not be empty");
  if (path[0] == '/') return Status::invalid("invalid path: must be relative path: " + path);
  if (path.size() > kMaxPathLength) {
    return Status::invalid("invalid path: must be less than or equal to " +
                           std::to_string(kMaxPathLength) + " characters");
  }
  std::vector<std::string> items = splitPath(path);
  for (const auto& item : items) {
    if (item == "..") return Status::invalid("invalid path: must not contain '..': " + path);
    if (item.size() > kMaxFileNameLength) {
      return Status::invalid("invalid path: filenames must be less than or equal to " +
                             std::to_string(kMaxFileNameLength) + " characters");
    }
  }
  if (items[0].rfind("..", 0) == 0 && items[0].size() > 2) {
    return Status::invalid("invalid path: must not start with '..': " + path);
  }
  if (cleanPath(path).empty()) return Status::invalid("invalid path: names no file: " + path);
  return Status::ok();
}

Result<bool> AtomicWriter::write(const Payload& payload, const SetPerms& set_perms) {
  // (1) validate and clean the payload.
  Payload clean;
  for (const auto& [p, f] : payload) {
    ORCH_RETURN_IF_ERROR(validatePath(p).withContext(target_));
    clean[cleanPath(p)] = f;
  }

  // (2) the current data directory.
  const std::string data_link = target_ + "/" + kDataDirName;
  std::string old_ts;
  {
    char buf[4096];
    ssize_t n = ::readlink(data_link.c_str(), buf, sizeof buf - 1);
    if (n >= 0) {
      old_ts.assign(buf, static_cast<size_t>(n));
    } else if (errno != ENOENT) {
      return Status::fromErrno("readlink " + data_link);
    }
  }
  if (!old_ts.empty() && (old_ts.find('/') != std::string::npos || old_ts.rfind("..", 0) != 0)) {
    return Status::invalid(data_link + " points outside the volume: " + old_ts);
  }

  // (3) paths of the old version that the new payload no longer has.
  std::set<std::string> to_remove;
  bool should_write = old_ts.empty();
  if (!old_ts.empty()) {
    const std::string old_dir = target_ + "/" + old_ts;
    std::set<std::string> old_paths;
    Status s = walk(old_dir, "", old_paths);
    if (!s.isOk() && s.code() != ENOENT) return s;
    if (!s.isOk()) should_write = true;  // ..data dangles: rewrite
    std::set<std::string> new_paths;
    for (const auto& [p, f] : clean) {
      for (std::string sub = p; !sub.empty();) {
        new_paths.insert(sub);
        size_t slash = sub.find_last_of('/');
        sub = slash == std::string::npos ? std::string() : sub.substr(0, slash);
      }
    }
    for (const auto& p : old_paths) {
      if (new_paths.count(p) == 0) to_remove.insert(p);
    }
    // (4) compare content and modes.
    if (!should_write) {
      for (const auto& [p, f] : clean) {
        if (!sameFile(old_dir + "/" + p, f)) {
          should_write = true;
          break;
        }
      }
    }
  }

  auto createUserVisible = [&]() -> Status {
    for (const auto& [p, f] : clean) {
      std::string top = p.substr(0, p.find('/'));
      std::string visible = target_ + "/" + top;
      struct stat st {};
      if (::lstat(visible.c_str(), &st) == 0) continue;
      if (errno != ENOENT) return Status::fromErrno("stat " + visible);
      if (::symlink((std::string(kDataDirName) + "/" + top).c_str(), visible.c_str()) != 0) {
        return Status::fromErrno("symlink " + visible);
      }
    }
    return Status::ok();
  };

  auto removeStale = [&](const std::string& keep) -> Status {
    ORCH_ASSIGN_OR_RETURN(auto names, listDir(target_));
    for (const auto& n : names) {
      if (n.rfind("..", 0) != 0 || n == kDataDirName || n == keep) continue;
      ORCH_RETURN_IF_ERROR(removeAllOneFilesystem(target_ + "/" + n));
    }
    return Status::ok();
  };

  if (!should_write && to_remove.empty()) {
    // Up to date; the user-visible links may still be missing after an interrupted write.
    ORCH_RETURN_IF_ERROR(createUserVisible());
    ORCH_RETURN_IF_ERROR(removeStale(old_ts));
    return false;
  }

  // (5) a new timestamped directory, 0755 whatever the umask.
  std::string ts_path = target_ + "/" + timestampTemplate();
  if (::mkdtemp(ts_path.data()) == nullptr) return Status::fromErrno("mkdtemp " + ts_path);
  const std::string ts_name = ts_path.substr(target_.size() + 1);
  auto fail = [&](Status s) -> Result<bool> {
    (void)removeAllOneFilesystem(ts_path);
    return s;
  };
  if (::chmod(ts_path.c_str(), 0755) != 0) return fail(Status::fromErrno("chmod " + ts_path));

  // (6) the payload, (7) ownership.
  for (const auto& [p, f] : clean) {
    std::string full = ts_path + "/" + p;
    size_t slash = full.find_last_of('/');
    if (slash > ts_path.size()) {
      Status s = makeDirs(full.substr(0, slash), 0755);
      if (!s.isOk()) return fail(s);
    }
    Status s = writeProjection(full, f);
    if (!s.isOk()) return fail(s);
  }
  if (set_perms) {
    Status s = set_perms(ts_path);
    if (!s.isOk()) return fail(s.withContext("set permissions on " + ts_path));
  }

  // (8) ..data_tmp -> new dir, (9) renamed over ..data: the atomic switch.
  const std::string tmp_link = target_ + "/" + kNewDataDirName;
  if (::unlink(tmp_link.c_str()) != 0 && errno != ENOENT) {
    return fail(Status::fromErrno("unlink " + tmp_link));
  }
  if (::symlink(ts_name.c_str(), tmp_link.c_str()) != 0) {
    return fail(Status::fromErrno("symlink " + tmp_link));
  }
  if (::rename(tmp_link.c_str(), data_link.c_str()) != 0) {
    Status s = Status::fromErrno("rename " + tmp_link + " to " + data_link);
    ::unlink(tmp_link.c_str());
    return fail(s);
  }

  // (10) new user-visible links, (11) removal of those gone, (12) the old data.
  ORCH_RETURN_IF_ERROR(createUserVisible());
  for (const auto& p : to_remove) {
    if (p.find('/') != std::string::npos) continue;
    std::string visible = target_ + "/" + p;
    if (::unlink(visible.c_str()) != 0 && errno != ENOENT) {
      return Status::fromErrno("remove " + visible);
    }
  }
  ORCH_RETURN_IF_ERROR(removeStale(ts_name));
  return true;
}

}  // namespace orch::agent
