#pragma once
// Small filesystem probes for the volume tests.

#include <sys/stat.h>
#include <unistd.h>

#include <string>

#include "common/base/file_util.h"

namespace orch::agent::testutil {

inline std::string readLink(const std::string& p) {
  char buf[4096];
  ssize_t n = ::readlink(p.c_str(), buf, sizeof buf - 1);
  return n < 0 ? std::string() : std::string(buf, static_cast<size_t>(n));
}

inline bool isSymlink(const std::string& p) {
  struct stat st {};
  return ::lstat(p.c_str(), &st) == 0 && S_ISLNK(st.st_mode);
}

inline bool exists(const std::string& p) {
  struct stat st {};
  return ::lstat(p.c_str(), &st) == 0;
}

inline unsigned modeOf(const std::string& p) {
  struct stat st {};
  if (::stat(p.c_str(), &st) != 0) return 0;
  return st.st_mode & 07777;
}

inline std::string contentOf(const std::string& p) {
  return readFile(p).valueOr("<missing>");
}

}  // namespace orch::agent::testutil
