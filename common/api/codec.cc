#include "common/api/codec.h"

namespace orch::api::detail {

Result<Json> parseJsonText(std::string_view text) {
  try {
    return Json::parse(text.begin(), text.end());
  } catch (const Json::exception& e) {
    // e.what() carries the byte position ("parse error at line 1, column 5: ...").
    return Status::invalid(std::string("malformed JSON: ") + e.what());
  }
}

std::string dumpCompact(const Json& j) {
  return j.dump(-1, ' ', false, Json::error_handler_t::replace);
}

}  // namespace orch::api::detail
