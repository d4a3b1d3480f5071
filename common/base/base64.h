#pragma once
// Standard base64 (RFC 4648, with padding), as Go's encoding/base64.StdEncoding: Secret data,
// kubeconfig certificate data, libcni's cached config, continue tokens.

#include <string>
#include <string_view>

#include "common/base/status.h"

namespace orch {

std::string base64Encode(std::string_view bytes);
// EINVAL "invalid base64 ..." for bad characters, length or padding.
Result<std::string> base64Decode(std::string_view text);

}  // namespace orch
