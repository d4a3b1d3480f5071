#pragma once
// This process's mount table (/proc/self/mountinfo): decoding its fields and finding the
// mounts below a directory, for code that must unmount what it mounted before removing it.

#include <string>
#include <string_view>
#include <vector>

#include "common/base/status.h"

namespace orch {

// Undoes mountinfo's octal escapes ("\040" for a space, "\011" tab, "\012" newline, "\134").
std::string unescapeMountinfo(std::string_view field);

// The mount points listed in mountinfo text (the 5th field, escapes decoded), in order.
std::vector<std::string> parseMountPoints(std::string_view mountinfo);

// Mount points strictly below `dir` (and `dir` itself when `include_dir`), deepest first, so
// unmounting them in order never meets a busy parent. A missing `dir` has none.
Result<std::vector<std::string>> mountPointsUnder(const std::string& dir, bool include_dir = false);

}  // namespace orch
