#pragma once
// Typed checks of a request body for the served kinds: whether it decodes as the kind's Go
// struct would (types of every known field), and which fields it carries that the kind does
// not know (for fieldValidation Strict / Warn).

#include <string>
#include <string_view>
#include <vector>

#include "common/api/json_io.h"
#include "common/base/status.h"

namespace orch::apiserver {

struct DecodeCheck {
  Status type_error;                        // EINVAL naming the field; ok when the types fit
  std::vector<std::string> unknown_fields;  // "spec.containers[0].imagePolicy", in order
};

// Checks `obj` against kind `kind` of `group`. A kind without a typed codec only gets the
// object check (always ok for a JSON object).
DecodeCheck checkDecodes(std::string_view group, std::string_view kind, const api::Json& obj);

}  // namespace orch::apiserver
