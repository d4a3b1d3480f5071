#pragma once
// Whole-file reads and writes with errno-carrying errors ("open /x: ENOENT").
// writeFileAtomic() never leaves a half-written file under `path`: readers see the
// old content or the new one, also when the writer is killed midway.

#include <string>
#include <string_view>

#include "common/base/status.h"

namespace orch {

Result<std::string> readFile(const std::string& path);
// Writes all of `data` to `fd`, retrying short writes; `what` names the target in errors.
Status writeAll(int fd, std::string_view data, const std::string& what);
// Creates or truncates `path` with `mode` (applied even when the file existed).
Status writeFile(const std::string& path, std::string_view data, unsigned mode = 0644);
// Writes a temp file next to `path` and renames it over `path`. With `sync` the temp
// file is fsynced first, so the new content also survives a power loss (costs an fsync).
Status writeFileAtomic(const std::string& path, std::string_view data, unsigned mode = 0644,
                       bool sync = false);

}  // namespace orch
