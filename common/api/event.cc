#include "common/api/event.h"

namespace orch::api {

ORCH_API_FIELDS(EventSource) {
  ORCH_F(f("component", v.component));
  return f("host", v.host);
}

ORCH_API_FIELDS(Event) {
  ORCH_F(f("apiVersion", v.apiVersion));
  ORCH_F(f("kind", v.kind));
  ORCH_F(f.always("metadata", v.metadata));
  ORCH_F(f.always("involvedObject", v.involvedObject));
  ORCH_F(f("reason", v.reason));
  ORCH_F(f("message", v.message));
  ORCH_F(f.always("source", v.source));
  ORCH_F(f.orNull("firstTimestamp", v.firstTimestamp));
  ORCH_F(f.orNull("lastTimestamp", v.lastTimestamp));
  ORCH_F(f.omitZero("count", v.count));
  ORCH_F(f("type", v.type));
  ORCH_F(f.orNull("eventTime", v.eventTime));
  ORCH_F(f("action", v.action));
  ORCH_F(f("related", v.related));
  ORCH_F(f.always("reportingComponent", v.reportingComponent));
  return f.always("reportingInstance", v.reportingInstance);
}

}  // namespace orch::api
