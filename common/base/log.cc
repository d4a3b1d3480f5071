#include "common/base/log.h"

#include <spdlog/sinks/basic_file_sink.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include <atomic>
#include <mutex>

namespace orch::log {

namespace {
std::atomic<int> g_verbosity{0};

std::shared_ptr<spdlog::logger>& logger() {
  static std::shared_ptr<spdlog::logger> l = [] {
    auto lg =
        std::make_shared<spdlog::logger>("orch", std::make_shared<spdlog::sinks::stderr_sink_mt>());
    // klog-like: I1127 16:25:49.123456 4242] message key=value
    lg->set_pattern("%L%m%d %H:%M:%S.%f %t] %v");
    lg->set_level(spdlog::level::debug);
    return lg;
  }();
  return l;
}
std::mutex g_swap_mu;

bool needsQuotes(const std::string& s) {
  if (s.empty()) return true;
  for (char c : s) {
    if (c == ' ' || c == '"' || c == '=' || c == '\n' || c == '\t') return true;
  }
  return false;
}

std::string quote(const std::string& s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    out += c;
  }
  return out + "\"";
}

spdlog::level::level_enum toSpd(Level l) {
  switch (l) {
    case Level::kDebug:
      return spdlog::level::debug;
    case Level::kInfo:
      return spdlog::level::info;
    case Level::kWarning:
      return spdlog::level::warn;
    case Level::kError:
      return spdlog::level::err;
  }
  return spdlog::level::info;
}
}  // namespace

void setVerbosity(int level) {
  g_verbosity = level;
}
int verbosity() {
  return g_verbosity;
}
void setLevel(Level min) {
  logger()->set_level(toSpd(min));
}

bool setLogFile(const std::string& path) {
  std::shared_ptr<spdlog::sinks::sink> sink;
  try {
    if (path.empty()) {
      sink = std::make_shared<spdlog::sinks::stderr_sink_mt>();
    } else {
      sink = std::make_shared<spdlog::sinks::basic_file_sink_mt>(path);
    }
  } catch (const spdlog::spdlog_ex&) {
    return false;
  }
  std::lock_guard lock(g_swap_mu);
  auto& lg = logger();
  lg->sinks().clear();
  lg->sinks().push_back(std::move(sink));
  lg->set_pattern("%L%m%d %H:%M:%S.%f %t] %v");
  return true;
}

std::string format(std::string_view msg, Fields fields) {
  std::string out(msg);
  for (const Field& f : fields) {
    out += ' ';
    out += f.key;
    out += '=';
    out += needsQuotes(f.value) ? quote(f.value) : f.value;
  }
  return out;
}

void write(Level level, std::string_view msg, Fields fields) {
  std::lock_guard lock(g_swap_mu);
  logger()->log(toSpd(level), "{}", format(msg, fields));
  if (level >= Level::kWarning) logger()->flush();
}

}  // namespace orch::log
