#include "runtime-shim/server/fs_usage.h"

#include <ftw.h>
#include <sys/stat.h>

namespace orch::shim {

namespace {
thread_local DirUsage* tally = nullptr;

int visit(const char*, const struct stat* st, int type, struct FTW*) {
  if (type == FTW_NS) return 0;
  tally->inodes += 1;
  tally->bytes += static_cast<uint64_t>(st->st_blocks) * 512;
  return 0;
}
}  // namespace

DirUsage dirUsage(const std::string& path) {
  DirUsage out;
  tally = &out;
  (void)nftw(path.c_str(), visit, 32, FTW_PHYS | FTW_MOUNT);
  tally = nullptr;
  return out;
}

}  // namespace orch::shim
