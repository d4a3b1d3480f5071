#include "common/base/mountinfo.h"

#include <limits.h>
#include <stdlib.h>

#include <algorithm>

#include "common/base/file_util.h"

namespace orch {

std::string unescapeMountinfo(std::string_view s) {
  auto oct = [](char c) { return c >= '0' && c <= '7'; };
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '\\' && i + 3 < s.size() && oct(s[i + 1]) && oct(s[i + 2]) && oct(s[i + 3])) {
      out += static_cast<char>((s[i + 1] - '0') * 64 + (s[i + 2] - '0') * 8 + (s[i + 3] - '0'));
      i += 3;
    } else {
      out += s[i];
    }
  }
  return out;
}

std::vector<std::string> parseMountPoints(std::string_view mountinfo) {
  std::vector<std::string> out;
  size_t pos = 0;
  while (pos < mountinfo.size()) {
    size_t eol = mountinfo.find('\n', pos);
    if (eol == std::string_view::npos) eol = mountinfo.size();
    std::string_view line = mountinfo.substr(pos, eol - pos);
    pos = eol + 1;
    // id parent major:minor root mountpoint ...
    size_t start = 0;
    for (int field = 0; field < 4 && start != std::string_view::npos; ++field) {
      start = line.find(' ', start);
      if (start != std::string_view::npos) ++start;
    }
    if (start == std::string_view::npos || start >= line.size()) continue;
    size_t end = line.find(' ', start);
    out.push_back(unescapeMountinfo(
        line.substr(start, end == std::string_view::npos ? std::string_view::npos : end - start)));
  }
  return out;
}

Result<std::vector<std::string>> mountPointsUnder(const std::string& dir, bool include_dir) {
  char real[PATH_MAX];
  if (::realpath(dir.c_str(), real) == nullptr) {
    if (errno == ENOENT) return std::vector<std::string>{};
    return Status::fromErrno("resolve " + dir);
  }
  ORCH_ASSIGN_OR_RETURN(std::string text, readFile("/proc/self/mountinfo"));
  std::string self(real);
  std::string prefix = self.back() == '/' ? self : self + "/";
  std::vector<std::string> out;
  for (auto& mp : parseMountPoints(text)) {
    bool below = mp.size() > prefix.size() && mp.compare(0, prefix.size(), prefix) == 0;
    if (below || (include_dir && mp == self)) out.push_back(std::move(mp));
  }
  std::stable_sort(out.begin(), out.end(),
                   [](const std::string& a, const std::string& b) { return a.size() > b.size(); });
  return out;
}

}  // namespace orch
