#pragma once
// The CRI container log format, as containerd's CRI plugin writes it (pkg/cri/io/logger.go):
//
//   <RFC3339Nano timestamp> <stdout|stderr> <F|P> <content>\n
//
// F: the content completes a line (its "\n", and a "\r" before it, are dropped).
// P: a partial line — a chunk of a line longer than the maximum (split into P chunks of exactly
//    `max_line` bytes and a final F), or a trailing fragment without a newline at EOF.
// Timestamps are UTC in Go's RFC3339Nano form ("2024-05-06T07:08:09.12345Z": trailing zeros
// of the fraction dropped, and the dot too when the fraction is zero).

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include "common/base/status.h"
#include "common/base/unique_fd.h"

namespace orch::shim {

// containerd's default max_container_log_line_size.
inline constexpr size_t kCriMaxLineBytes = 16 * 1024;

// Go's time.RFC3339Nano of `unix_ns`, in UTC.
std::string formatCriTimestamp(int64_t unix_ns);
// One log line, newline included.
std::string formatCriLine(int64_t unix_ns, std::string_view stream, char tag,
                          std::string_view content);

// Where finished lines go. Each call gets one whole line (with its "\n").
class CriLineSink {
 public:
  virtual ~CriLineSink() = default;
  virtual void writeLine(std::string_view line) = 0;
};

// Splits one stream's bytes, as they arrive in arbitrary chunks, into CRI log lines.
// Not thread-safe; holds at most `max_line` bytes of a pending line.
class CriStreamWriter {
 public:
  using NowFn = std::function<int64_t()>;  // unix nanoseconds
  // `stream`: "stdout" or "stderr". `sink` must outlive the writer.
  CriStreamWriter(std::string stream, CriLineSink* sink, NowFn now,
                  size_t max_line = kCriMaxLineBytes);

  void write(std::string_view data);
  // End of the stream: a pending fragment is written as P (as containerd does).
  void finish();
  const std::string& stream() const { return stream_; }

 private:
  void emit(char tag, std::string_view content);

  std::string stream_;
  CriLineSink* sink_;
  NowFn now_;
  size_t max_line_;
  std::string pending_;
};

// The log file: lines appended with one write(2) each, so a reader (and a rotation by the
// kubelet) never sees half a line from us. An empty path discards everything.
class CriLogFile final : public CriLineSink {
 public:
  explicit CriLogFile(std::string path) : path_(std::move(path)) {}
  // Opens (creating the parent directories and the file, mode 0640) for appending.
  Status open();
  // Closes and opens the path again (after the kubelet renamed the file: ReopenContainerLog).
  Status reopen();
  // Write errors (disk full, file gone) are counted, not fatal: the container's output must
  // keep being drained.
  void writeLine(std::string_view line) override;
  uint64_t writeErrors() const { return write_errors_; }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
  UniqueFd fd_;
  uint64_t write_errors_ = 0;
};

// mkdir -p of `dir` (mode 0755); ok when it exists.
Status makeDirs(const std::string& dir);

}  // namespace orch::shim
