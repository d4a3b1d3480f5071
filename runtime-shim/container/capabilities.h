#pragma once
// Capabilities of the process being launched (libcap). Used in the child between clone and
// exec; nothing here touches shared state beyond the calling process.

#include <sys/capability.h>

#include <string>
#include <vector>

#include "common/base/status.h"

namespace orch::shim {

// The capability numbers for `names` ("CAP_CHOWN", ...; EINVAL naming an unknown one), or
// every capability the kernel knows when `all`. Either way only those in the calling
// process's permitted set survive: a process can't give more than it has (root here lacks
// CAP_SYS_RESOURCE, for one).
Result<std::vector<cap_value_t>> capabilityValues(const std::vector<std::string>& names, bool all);

// Step 1, while still uid 0 with every capability: keep capabilities across setuid
// (PR_SET_KEEPCAPS) and drop every capability not in `keep` from the bounding set.
Status dropBoundingSet(const std::vector<cap_value_t>& keep);

// Step 2, after setuid/setgid: permitted = effective = `caps`, inheritable empty, ambient
// cleared (as containerd configures runc since CVE-2022-24769); PR_SET_KEEPCAPS off again.
Status setCapabilities(const std::vector<cap_value_t>& caps);

// The capability names in `caps` ("CAP_SYS_ADMIN", ...), for the seccomp profile's includes.
std::vector<std::string> capabilityNames(const std::vector<cap_value_t>& caps);

}  // namespace orch::shim
