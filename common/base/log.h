#pragma once
// Structured logging for the daemons: a message plus key=value fields, with
// klog-style verbosity (`-v N`). Libraries do not log; daemons log once, at the edge.
//
//   log::info("pod started", {{"pod", key}, {"sandbox", id}});
//   if (log::v(4)) log::info("relist", {{"containers", n}});
//
// Thread-safe. Output goes to stderr unless setLogFile() names a file.

#include <initializer_list>
#include <string>
#include <string_view>
#include <type_traits>

namespace orch::log {

enum class Level { kDebug, kInfo, kWarning, kError };

// One key=value pair. Values are rendered with quotes when they contain spaces.
struct Field {
  template <class T>
  Field(std::string_view k, const T& v) : key(k), value(render(v)) {}
  std::string key;
  std::string value;

 private:
  template <class T>
  static std::string render(const T& v) {
    if constexpr (std::is_same_v<T, bool>) {
      return v ? "true" : "false";
    } else if constexpr (std::is_arithmetic_v<T>) {
      return std::to_string(v);
    } else {
      return std::string(std::string_view(v));
    }
  }
};

using Fields = std::initializer_list<Field>;

void setVerbosity(int level);
int verbosity();
// True when messages at verbosity `level` should be logged.
inline bool v(int level) {
  return level <= verbosity();
}
void setLevel(Level min);
// Sends output to `path` (appending); an empty path means stderr.
bool setLogFile(const std::string& path);

// Renders "msg key=value key2=\"a b\"" (exposed for tests).
std::string format(std::string_view msg, Fields fields);

void write(Level level, std::string_view msg, Fields fields);
inline void debug(std::string_view m, Fields f = {}) {
  write(Level::kDebug, m, f);
}
inline void info(std::string_view m, Fields f = {}) {
  write(Level::kInfo, m, f);
}
inline void warn(std::string_view m, Fields f = {}) {
  write(Level::kWarning, m, f);
}
inline void error(std::string_view m, Fields f = {}) {
  write(Level::kError, m, f);
}

}  // namespace orch::log
