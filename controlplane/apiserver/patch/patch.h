#pragma once
// The patch machinery of orch-apiserver in one include: JSON patch (RFC 6902), merge patch
// (RFC 7386), strategic merge patch with the built-in kinds' schema, server-side apply and the
// managedFields bookkeeping of ordinary writes.

#include "controlplane/apiserver/patch/json_patch.h"             // IWYU pragma: export
#include "controlplane/apiserver/patch/managed_fields.h"         // IWYU pragma: export
#include "controlplane/apiserver/patch/merge_patch.h"            // IWYU pragma: export
#include "controlplane/apiserver/patch/patch_schema.h"           // IWYU pragma: export
#include "controlplane/apiserver/patch/server_side_apply.h"      // IWYU pragma: export
#include "controlplane/apiserver/patch/strategic_merge_patch.h"  // IWYU pragma: export
