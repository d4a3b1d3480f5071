#pragma once
// hostPath type checks, as the kubelet's hostpath plugin does them before a pod starts:
//   ""                 no check
//   DirectoryOrCreate  created (mkdir -p, 0755) when absent, else must be a directory
//   Directory          must be a directory
//   FileOrCreate       created (empty, 0644; the parent must exist) when absent, else a file
//   File               must be a regular file
//   Socket / CharDevice / BlockDevice   must be one
// Symlinks are followed. Errors: EINVAL "hostPath type check failed: /p is not a directory"
// (upstream's wording), or the errno of a failed creation.

#include <optional>
#include <string>

#include "common/base/status.h"

namespace orch::agent {

Status checkHostPathType(const std::string& path, const std::optional<std::string>& type);

}  // namespace orch::agent
