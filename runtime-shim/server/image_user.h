#pragma once
// Which uid/gid/groups a container runs as: the CRI security context (run_as_user,
// run_as_username, run_as_group, supplemental_groups) over the image config's User
// ("uid", "uid:gid", "name", "name:group"), with names resolved in the image's own
// /etc/passwd and /etc/group (read from the unpacked layers, top layer first), as
// containerd does. The user's groups from /etc/group are added to the supplemental ones.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/base/status.h"

namespace orch::shim {

struct UserRequest {
  std::string image_user;               // image config "User"
  std::optional<int64_t> run_as_user;   // CRI
  std::string run_as_username;          // CRI
  std::optional<int64_t> run_as_group;  // CRI
  std::vector<int64_t> supplemental_groups;
};

struct ResolvedUser {
  uint32_t uid = 0;
  uint32_t gid = 0;
  std::vector<uint32_t> additional_gids;
  std::string username;  // "" when the uid has no passwd entry
};

// `layer_dirs` bottom layer first (ImageRecord::layer_dirs). EINVAL naming the field for a
// name that the image does not know or a malformed User.
Result<ResolvedUser> resolveUser(const UserRequest& req,
                                 const std::vector<std::string>& layer_dirs);

// The file `rel` ("etc/passwd") as the container sees it: from the topmost layer having it.
std::optional<std::string> readFromLayers(const std::vector<std::string>& layer_dirs,
                                          const std::string& rel);

}  // namespace orch::shim
