#include "common/base/flags.h"

#include "common/base/log.h"

namespace orch::flags {

void addLoggingFlags(CLI::App& app, LoggingFlags& flags) {
  app.add_option("-v,--v", flags.verbosity, "log verbosity (klog-style level)")
      ->check(CLI::NonNegativeNumber);
  app.add_option("--log-file", flags.log_file, "write logs to this file instead of stderr");
}

bool applyLoggingFlags(const LoggingFlags& flags) {
  log::setVerbosity(flags.verbosity);
  return log::setLogFile(flags.log_file);
}

int parse(CLI::App& app, int argc, char** argv) {
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  }
  return -1;
}

}  // namespace orch::flags
