#pragma once
// The benchmark's printed table: one row per (backend, measurement), with the goal it is
// reported against. Rows are printed as they are added (so a slow run shows progress) and the
// whole table again at the end. Not thread-safe.

#include <string>
#include <vector>

namespace orch::bench {

struct Row {
  std::string backend;  // "sqlite", "etcd"
  std::string what;     // "Pod create", "watch latency p99" ...
  std::string clients;  // "64", "1000 watchers", "-"
  std::string value;    // formatted figure with its unit
  std::string goal;     // "" or e.g. ">= 5000/s: met"
  std::string notes;    // server CPU, errors ...
};

class Report {
 public:
  void add(Row row);
  // Prints the table with a header naming the command line and the load average.
  void print(const std::string& command_line) const;

 private:
  std::vector<Row> rows_;
};

// "%.0f/s" etc.
std::string fmt(const char* format, double value);
// The first three fields of /proc/loadavg.
std::string loadAverage();

}  // namespace orch::bench
