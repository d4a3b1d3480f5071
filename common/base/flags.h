#pragma once
// Flag parsing for the daemons, on CLI11. Each binary declares its own flags with
// the upstream names (--kubeconfig, --proxy-mode, ...); the flags every daemon
// shares (verbosity, log file) are added here once.

#include <CLI/CLI.hpp>

#include <string>

namespace orch::flags {

struct LoggingFlags {
  int verbosity = 0;     // -v / --v, as klog
  std::string log_file;  // --log-file; empty = stderr
};

// Adds -v/--v and --log-file to `app`.
void addLoggingFlags(CLI::App& app, LoggingFlags& flags);
// Applies parsed logging flags to orch::log. Returns false when the log file can't be opened.
bool applyLoggingFlags(const LoggingFlags& flags);

// Parses argv; on --help or a parse error prints the message and returns the
// exit code to use (0 for help). Returns -1 when the program should go on.
int parse(CLI::App& app, int argc, char** argv);

}  // namespace orch::flags
