#include "runtime-shim/monitor/cri_log.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <ctime>

#include "common/base/file_util.h"

namespace orch::shim {

std::string formatCriTimestamp(int64_t unix_ns) {
  int64_t secs = unix_ns / 1000000000;
  int64_t frac = unix_ns % 1000000000;
  if (frac < 0) {
    frac += 1000000000;
    secs -= 1;
  }
  time_t t = static_cast<time_t>(secs);
  struct tm tm;
  gmtime_r(&t, &tm);
  char buf[64];
  size_t n = strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
  std::string out(buf, n);
  if (frac != 0) {
    char digits[16];
    snprintf(digits, sizeof digits, ".%09lld", static_cast<long long>(frac));
    std::string f(digits);
    while (f.back() == '0') f.pop_back();
    out += f;
  }
  out += 'Z';
  return out;
}

std::string formatCriLine(int64_t unix_ns, std::string_view stream, char tag,
                          std::string_view content) {
  std::string line = formatCriTimestamp(unix_ns);
  line.reserve(line.size() + stream.size() + content.size() + 5);
  line += ' ';
  line += stream;
  line += ' ';
  line += tag;
  line += ' ';
  line += content;
  line += '\n';
  return line;
}

CriStreamWriter::CriStreamWriter(std::string stream, CriLineSink* sink, NowFn now, size_t max_line)
    : stream_(std::move(stream)), sink_(sink), now_(std::move(now)), max_line_(max_line) {}

void CriStreamWriter::emit(char tag, std::string_view content) {
  sink_->writeLine(formatCriLine(now_(), stream_, tag, content));
}

void CriStreamWriter::write(std::string_view data) {
  while (!data.empty()) {
    size_t nl = data.find('\n');
    if (nl == std::string_view::npos) {
      pending_.append(data);
      // A trailing '\r' may be the first half of "\r\n": containerd keeps it back from a P
      // chunk, so that the line's CR is still stripped when the '\n' follows. So do we.
      size_t held = pending_.back() == '\r' ? 1 : 0;
      size_t off = 0;
      while (pending_.size() - off - held > max_line_) {
        emit('P', std::string_view(pending_).substr(off, max_line_));
        off += max_line_;
      }
      pending_.erase(0, off);
      return;
    }
    std::string_view rest = data.substr(0, nl);
    data.remove_prefix(nl + 1);
    std::string_view line;
    if (pending_.empty()) {
      line = rest;
    } else {
      pending_.append(rest);
      line = pending_;
    }
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    while (line.size() > max_line_) {
      emit('P', line.substr(0, max_line_));
      line.remove_prefix(max_line_);
    }
    emit('F', line);
    pending_.clear();
  }
}

void CriStreamWriter::finish() {
  std::string_view rest = pending_;
  while (rest.size() > max_line_) {
    emit('P', rest.substr(0, max_line_));
    rest.remove_prefix(max_line_);
  }
  if (!rest.empty()) emit('P', rest);
  pending_.clear();
}

Status makeDirs(const std::string& dir) {
  if (dir.empty() || dir == "/") return Status::ok();
  struct stat st;
  if (::stat(dir.c_str(), &st) == 0) {
    if (S_ISDIR(st.st_mode)) return Status::ok();
    return Status::error(ENOTDIR, "mkdir " + dir);
  }
  size_t slash = dir.find_last_of('/');
  if (slash != std::string::npos && slash > 0) {
    ORCH_RETURN_IF_ERROR(makeDirs(dir.substr(0, slash)));
  }
  if (::mkdir(dir.c_str(), 0755) != 0 && errno != EEXIST) {
    return Status::fromErrno("mkdir " + dir);
  }
  return Status::ok();
}

Status CriLogFile::open() {
  if (path_.empty()) return Status::ok();
  size_t slash = path_.find_last_of('/');
  if (slash != std::string::npos && slash > 0) {
    ORCH_RETURN_IF_ERROR(makeDirs(path_.substr(0, slash)).withContext("log directory"));
  }
  int fd = ::open(path_.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640);
  if (fd < 0) return Status::fromErrno("open log " + path_);
  fd_.reset(fd);
  return Status::ok();
}

Status CriLogFile::reopen() {
  fd_.reset();
  return open();
}

void CriLogFile::writeLine(std::string_view line) {
  if (!fd_) {
    if (!path_.empty()) ++write_errors_;
    return;
  }
  if (!writeAll(fd_.get(), line, path_).isOk()) ++write_errors_;
}

}  // namespace orch::shim
