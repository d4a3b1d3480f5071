#pragma once
// core/v1 Event.

#include <cstdint>
#include <optional>
#include <string>

#include "common/api/json_io.h"
#include "common/api/meta.h"
#include "common/api/references.h"
#include "common/api/time.h"

namespace orch::api {

struct EventSource {
  std::string component, host;
  Json unknown_fields;
};

struct Event {
  ORCH_API_KIND("", "v1", "Event", "events", true);
  std::string apiVersion, kind;
  ObjectMeta metadata;
  ObjectReference involvedObject;
  std::string reason, message;
  EventSource source;
  std::optional<Time> firstTimestamp, lastTimestamp;  // null when unset, as upstream
  int32_t count = 0;                                  // omitted when 0
  std::string type;                                   // Normal, Warning
  std::optional<MicroTime> eventTime;                 // null when unset, as upstream
  std::string action;
  std::optional<ObjectReference> related;
  std::string reportingComponent, reportingInstance;  // always written, as upstream
  Json unknown_fields;                                // series, ...
};

ORCH_API_CODEC(EventSource);
ORCH_API_CODEC(Event);

}  // namespace orch::api
