#pragma once
// Bytes and inodes used under a directory (a container's writable layer), counted with
// lstat over the tree without crossing into other filesystems.

#include <cstdint>
#include <string>

namespace orch::shim {

struct DirUsage {
  uint64_t bytes = 0;
  uint64_t inodes = 0;
};

// Missing or unreadable parts count as empty.
DirUsage dirUsage(const std::string& path);

}  // namespace orch::shim
