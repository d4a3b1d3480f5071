#include "common/api/watch_event.h"

namespace orch::api {

Status decodeFields(Reader& r, WatchEvent& v) {
  ORCH_RETURN_IF_ERROR(r("type", v.type));
  ORCH_RETURN_IF_ERROR(r("object", v.object));
  if (v.type.empty()) return fieldError(r.path().key("type"), "missing watch event type");
  if (!v.object.is_object()) return typeError(r.path().key("object"), "object", v.object);
  return Status::ok();
}

void encodeFields(Writer& w, const WatchEvent& v) {
  (void)w.always("type", v.type);
  (void)w.always("object", v.object);
}

}  // namespace orch::api
