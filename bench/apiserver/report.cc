#include "report.h"

#include <cstdio>
#include <fstream>
#include <sstream>
#include <thread>

namespace orch::bench {

namespace {

void printRow(const Row& r) {
  std::printf("%-7s %-34s %-14s %14s  %-26s %s\n", r.backend.c_str(), r.what.c_str(),
              r.clients.c_str(), r.value.c_str(), r.goal.c_str(), r.notes.c_str());
}

}  // namespace

void Report::add(Row row) {
  printRow(row);
  std::fflush(stdout);
  rows_.push_back(std::move(row));
}

void Report::print(const std::string& command_line) const {
  std::printf("\n== orch-apiserver benchmark ==\n");
  std::printf("reproduce: %s\n", command_line.c_str());
  std::printf("load average at the end: %s (%ld CPUs online)\n", loadAverage().c_str(),
              static_cast<long>(std::thread::hardware_concurrency()));
  printRow({"backend", "measurement", "clients", "value", "goal", "notes"});
  for (const Row& r : rows_) printRow(r);
  std::fflush(stdout);
}

std::string fmt(const char* format, double value) {
  char buf[64];
  std::snprintf(buf, sizeof buf, format, value);
  return buf;
}

std::string loadAverage() {
  std::ifstream in("/proc/loadavg");
  std::string a, b, c;
  in >> a >> b >> c;
  return a + " " + b + " " + c;
}

}  // namespace orch::bench
