#pragma once
// mount(8)-style option lists ("ro", "nosuid", "rbind", "mode=755") split into mount(2)
// flags, propagation flags and the filesystem's data string. Pure; reentrant.

#include <string>
#include <vector>

#include "common/base/status.h"

namespace orch::shim {

struct MountOptions {
  unsigned long flags = 0;        // MS_RDONLY, MS_NOSUID, ... (MS_BIND|MS_REC for "rbind")
  unsigned long propagation = 0;  // MS_PRIVATE/MS_SLAVE/MS_SHARED/MS_UNBINDABLE [|MS_REC]; 0 = none
  std::string data;               // the rest, comma-joined ("mode=755,size=64k")
  bool bind() const;
  bool readonly() const;
};

// Later options win over earlier ones ("ro" then "rw" = rw). Unknown options go to `data`.
// EINVAL for an empty option.
Result<MountOptions> parseMountOptions(const std::vector<std::string>& options);

// "private", "rprivate", "slave", "rslave", "shared", "rshared", "unbindable",
// "runbindable" → MS_* flags (with MS_REC for the r* forms). EINVAL otherwise.
Result<unsigned long> propagationFlags(const std::string& name);

}  // namespace orch::shim
