#pragma once
// Shared checks for image store tests: what the store's directories hold.

#include <dirent.h>

#include <string>
#include <vector>

namespace orch::testing {

// Names in `dir` (without "." and ".."); empty when the dir is missing.
inline std::vector<std::string> dirEntries(const std::string& dir) {
  std::vector<std::string> out;
  if (DIR* d = ::opendir(dir.c_str())) {
    while (dirent* e = ::readdir(d)) {
      std::string n = e->d_name;
      if (n != "." && n != "..") out.push_back(n);
    }
    ::closedir(d);
  }
  return out;
}

// True when the store rooted at `root` holds no image, blob, layer or temp file.
inline std::string storeLeftovers(const std::string& root) {
  std::string out;
  for (const char* sub : {"/images", "/blobs/sha256", "/layers", "/tmp"}) {
    for (const auto& n : dirEntries(root + sub)) out += std::string(sub) + "/" + n + " ";
  }
  return out;
}

}  // namespace orch::testing
