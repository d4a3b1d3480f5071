#include "agent/server/cri_log_reader.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <thread>

#include "common/api/time.h"

namespace orch::agent {

namespace {

constexpr size_t kReadBlock = 64 * 1024;
// Output is handed to the sink in pieces of about this size.
constexpr size_t kFlushBytes = 64 * 1024;
// A line's P chunks are held back (to join them) up to this size, then written as they come.
constexpr size_t kMaxHeldLine = 1024 * 1024;

bool selected(LogStream s, bool is_stderr) {
  return s == LogStream::kAll || (s == LogStream::kStderr) == is_stderr;
}

// Turns records into output text: joins P chunks per stream, applies since, timestamps and
// limit_bytes, and buffers output for the sink.
class LogWriter {
 public:
  LogWriter(const LogReadOptions& opts, const LogSink& sink) : opts_(opts), sink_(sink) {
    if (opts.limit_bytes) remaining_ = std::max<int64_t>(0, *opts.limit_bytes);
    if (remaining_ == 0) stopped_ = true;
  }

  // Whether no more output is wanted (limit reached or the sink refused).
  bool stopped() const { return stopped_; }

  void record(const CriLogRecord& r) {
    if (stopped_ || !selected(opts_.stream, r.is_stderr)) return;
    Pending& p = pending_[r.is_stderr ? 1 : 0];
    if (!p.active) {
      p.active = true;
      p.mid_line = false;
      p.time = r.time;
      p.include = !opts_.since || r.time >= *opts_.since;
    }
    p.text.append(r.content);
    if (r.partial) {
      if (p.text.size() >= kMaxHeldLine) writePiece(p, false);
      return;
    }
    p.text.push_back('\n');
    writePiece(p, true);
  }

  // Forgets the line that `r` ends, with its earlier chunks.
  void drop(const CriLogRecord& r) {
    Pending& p = pending_[r.is_stderr ? 1 : 0];
    p.active = false;
    p.mid_line = false;
    p.text.clear();
  }

  // Writes lines still waiting for their end as they are (the output ends).
  void flushPartials() {
    for (auto& p : pending_) {
      if (p.active && !p.text.empty()) writePiece(p, true);
    }
  }

  // Hands buffered output to the sink. False once the sink refused.
  bool flush() {
    if (!out_.empty() && !sink_gone_) {
      if (!sink_(out_)) sink_gone_ = stopped_ = true;
    }
    out_.clear();
    return !sink_gone_;
  }

 private:
  struct Pending {
    bool active = false;
    bool mid_line = false;  // a first piece of this line was written already
    bool include = true;
    LogTime time;
    std::string text;
  };

  void writePiece(Pending& p, bool line_end) {
    if (p.include) {
      if (!p.mid_line && opts_.timestamps) append(formatRfc3339Nano(p.time) + " ");
      append(p.text);
    }
    p.text.clear();
    p.mid_line = !line_end;
    if (line_end) p.active = false;
  }

  void append(std::string_view s) {
    if (stopped_) return;
    if (remaining_ >= 0) {
      if (static_cast<int64_t>(s.size()) >= remaining_) {
        s = s.substr(0, static_cast<size_t>(remaining_));
        stopped_ = true;
      }
      remaining_ -= static_cast<int64_t>(s.size());
    }
    out_.append(s);
    if (out_.size() >= kFlushBytes) flush();
  }

  const LogReadOptions& opts_;
  const LogSink& sink_;
  Pending pending_[2];
  std::string out_;
  int64_t remaining_ = -1;  // -1: no limit
  bool stopped_ = false;
  bool sink_gone_ = false;
};

// `drop_lines`: the line a full record ends is not output (it precedes the tail).
void processLine(std::string_view line, LogWriter& w, bool drop_lines = false) {
  auto rec = parseCriLogRecord(line);
  if (!rec.ok()) return;  // malformed records are skipped, as upstream
  if (drop_lines && !rec->partial) {
    w.drop(*rec);
  } else {
    w.record(*rec);
  }
}

Status readError(const std::string& path) {
  return Status::fromErrno("read " + path);
}

}  // namespace

Result<CriLogRecord> parseCriLogRecord(std::string_view line) {
  CriLogRecord r;
  size_t a = line.find(' ');
  if (a == std::string_view::npos) return Status::invalid("CRI log record: no timestamp");
  auto t = api::parseRfc3339(line.substr(0, a));
  if (!t.ok()) return t.status().withContext("CRI log record");
  r.time = *t;
  std::string_view rest = line.substr(a + 1);
  size_t b = rest.find(' ');
  std::string_view stream = rest.substr(0, b);
  if (stream == "stderr") {
    r.is_stderr = true;
  } else if (stream != "stdout") {
    return Status::invalid("CRI log record: unknown stream \"" + std::string(stream) + "\"");
  }
  if (b == std::string_view::npos) return Status::invalid("CRI log record: no tag");
  rest = rest.substr(b + 1);
  size_t c = rest.find(' ');
  std::string_view tags = rest.substr(0, c);
  std::string_view first_tag = tags.substr(0, tags.find(':'));
  if (first_tag.empty()) return Status::invalid("CRI log record: empty tag");
  r.partial = first_tag == "P";
  r.content = c == std::string_view::npos ? std::string_view() : rest.substr(c + 1);
  return r;
}

std::string formatRfc3339Nano(LogTime t) {
  std::string s = api::formatRfc3339(t, 9);  // "...:05.123456789Z"
  size_t dot = s.rfind('.');
  if (dot == std::string::npos) return s;
  size_t end = s.size() - 1;  // the 'Z'
  size_t last = end;
  while (last > dot + 1 && s[last - 1] == '0') --last;
  if (last == dot + 1) last = dot;  // an all-zero fraction: no dot either
  return s.substr(0, last) + "Z";
}

Result<CriLogReader> CriLogReader::open(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return Status::fromErrno("open " + path);
  return CriLogReader(path, UniqueFd(fd));
}

Result<CriLogReader::TailStart> CriLogReader::tailStart(int64_t n, LogStream stream) {
  struct stat st;
  if (::fstat(fd_.get(), &st) != 0) return Status::fromErrno("stat " + path_);
  const off_t size = st.st_size;
  if (n <= 0 || size == 0) return TailStart{size, size};
  // Walk the records backwards from the end. `window` holds file bytes [wstart, line_end).
  std::string window;
  off_t wstart = size;
  auto extend = [&]() -> Result<bool> {
    if (wstart == 0) return false;
    off_t from = std::max<off_t>(0, wstart - static_cast<off_t>(kReadBlock));
    std::string block(static_cast<size_t>(wstart - from), '\0');
    size_t got = 0;
    while (got < block.size()) {
      ssize_t r = ::pread(fd_.get(), block.data() + got, block.size() - got,
                          from + static_cast<off_t>(got));
      if (r < 0 && errno == EINTR) continue;
      if (r < 0) return readError(path_);
      if (r == 0) break;
      got += static_cast<size_t>(r);
    }
    block.resize(got);
    window.insert(0, block);
    wstart = from;
    return true;
  };
  ORCH_ASSIGN_OR_RETURN(bool more, extend());
  (void)more;
  off_t line_end = size;  // end (exclusive, before its "\n") of the record looked at
  if (!window.empty() && window.back() == '\n') {
    line_end = size - 1;
    window.pop_back();
  }
  TailStart out;
  int64_t count = 0;
  // Once the n-th last line is found: the streams whose kept lines may still have chunks
  // further back (until an earlier line of that stream ends).
  bool open[2] = {false, false};
  bool counting = true;
  while (true) {
    size_t rel_end = static_cast<size_t>(line_end - wstart);
    size_t nl = rel_end == 0 ? std::string::npos : window.rfind('\n', rel_end - 1);
    if (nl == std::string::npos) {
      ORCH_ASSIGN_OR_RETURN(bool extended, extend());
      if (extended) continue;
    }
    // The record [rec_start, line_end): from the last "\n" before it, or the file start.
    size_t from = nl == std::string::npos ? 0 : nl + 1;
    off_t rec_start = wstart + static_cast<off_t>(from);
    auto parsed = parseCriLogRecord(std::string_view(window.data() + from, rel_end - from));
    if (parsed.ok() && selected(stream, parsed->is_stderr)) {
      int s = parsed->is_stderr ? 1 : 0;
      if (counting) {
        if (!parsed->partial) open[s] = true;
        if (!parsed->partial && ++count == n) {
          counting = false;
          out.keep_from = out.start = rec_start;
        }
      } else if (open[s]) {
        if (parsed->partial) {
          out.start = rec_start;  // a chunk of a kept line
        } else {
          open[s] = false;  // an earlier line of this stream ends here
        }
      }
    }
    if (!counting && !open[0] && !open[1]) return out;
    if (nl == std::string::npos) return counting ? TailStart{0, 0} : out;
    line_end = wstart + static_cast<off_t>(nl);
    window.resize(nl);
  }
}

Status CriLogReader::copyTo(const LogReadOptions& opts, const LogSink& sink,
                            const LogFollowHooks& hooks) {
  LogWriter w(opts, sink);
  TailStart tail;
  if (opts.tail_lines) {
    ORCH_ASSIGN_OR_RETURN(tail, tailStart(*opts.tail_lines, opts.stream));
  }
  if (::lseek(fd_.get(), tail.start, SEEK_SET) < 0) return Status::fromErrno("seek " + path_);

  std::string buf;                // bytes read but not yet split into records
  off_t buf_offset = tail.start;  // the file offset of buf[0]
  std::string block(kReadBlock, '\0');
  bool saw_stopped = false, rotation_seen = false;
  while (!w.stopped()) {
    ssize_t n = ::read(fd_.get(), block.data(), block.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return readError(path_);
    if (n > 0) {
      buf.append(block.data(), static_cast<size_t>(n));
      size_t pos = 0;
      for (size_t nl; !w.stopped() && (nl = buf.find('\n', pos)) != std::string::npos;
           pos = nl + 1) {
        processLine(std::string_view(buf).substr(pos, nl - pos), w,
                    buf_offset + static_cast<off_t>(pos) < tail.keep_from);
      }
      buf.erase(0, pos);
      buf_offset += static_cast<off_t>(pos);
      continue;
    }
    // End of the data.
    if (!opts.follow) break;
    struct stat now_st, cur_st;
    if (::stat(path_.c_str(), &now_st) == 0 && ::fstat(fd_.get(), &cur_st) == 0) {
      if (now_st.st_ino != cur_st.st_ino || now_st.st_dev != cur_st.st_dev) {
        // Rotated: read the old file to its end once more (a last write may have landed),
        // then go on with the new one from its start.
        if (!rotation_seen) {
          rotation_seen = true;
          continue;
        }
        int fd = ::open(path_.c_str(), O_RDONLY | O_CLOEXEC);
        if (fd >= 0) {
          if (!buf.empty()) processLine(buf, w);
          buf.clear();
          buf_offset = 0;
          tail.keep_from = 0;
          rotation_seen = false;
          fd_.reset(fd);
          continue;
        }
      } else if (cur_st.st_size < ::lseek(fd_.get(), 0, SEEK_CUR)) {
        // Truncated in place (copytruncate): start over.
        buf.clear();
        buf_offset = 0;
        tail.keep_from = 0;
        (void)::lseek(fd_.get(), 0, SEEK_SET);
        continue;
      }
    }
    if (!w.flush()) break;
    if (hooks.running && !hooks.running()) {
      // The container stopped: one more read for what it wrote last, then the end.
      if (saw_stopped) break;
      saw_stopped = true;
      continue;
    }
    if (hooks.wait) {
      if (!hooks.wait(hooks.poll_interval)) break;
    } else {
      std::this_thread::sleep_for(hooks.poll_interval);
    }
  }
  // A last record without its "\n" (the writer was cut short) still counts.
  if (!buf.empty() && !w.stopped()) processLine(buf, w, buf_offset < tail.keep_from);
  w.flushPartials();
  w.flush();
  return Status::ok();
}

}  // namespace orch::agent
