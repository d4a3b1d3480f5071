#pragma once
// metav1.WatchEvent: one line of a watch stream. The object is kept raw; the caller decodes it
// into the watched type, or into ApiStatus for an ERROR event.

#include <string>

#include "common/api/json_io.h"

namespace orch::api {

struct WatchEvent {
  std::string type;  // ADDED, MODIFIED, DELETED, BOOKMARK, ERROR
  Json object;
  Json unknown_fields;
};

Status decodeFields(Reader& r, WatchEvent& v);
void encodeFields(Writer& w, const WatchEvent& v);

}  // namespace orch::api
